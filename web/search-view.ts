// Search in one space: a search box, the ranked passages (source title, heading path, chunk type
// and the snippet with its matched words marked), and for the chosen passage its full text and the
// passages most similar to it.
import type { Chunk, Id, SearchHit, Store } from '../js/index.js';
import { fill, h, snippetNodes } from './dom.js';

const CHUNK_TYPE_LABELS: Record<SearchHit['chunkType'], string> = {
  paragraph: 'paragraph', section: 'section', table: 'table', code_block: 'code', list: 'list',
};

export interface SearchViewOptions {
  /** Reports a failed call (shown in the page's status line). */
  onError: (e: unknown) => void;
  /** When set, a passage has a "Show on map" button calling it with the passage's source. */
  onShowOnMap?: (sourceId: Id) => void;
}

export class SearchView {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly results: HTMLOListElement;
  private readonly summary: HTMLElement;
  private readonly detail: HTMLElement;
  /** Each search and each chunk opening gets a number; stale answers are dropped. */
  private searchSeq = 0;
  private detailSeq = 0;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: Store,
    private readonly spaceId: Id,
    private readonly options: SearchViewOptions,
  ) {
    this.input = h('input', { type: 'search', name: 'q', placeholder: 'Search this space…', 'aria-label': 'Search this space', autocomplete: 'off' });
    const form = h('form', { class: 'search', role: 'search', 'data-testid': 'search' }, this.input, h('button', { type: 'submit' }, 'Search'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearTimeout(this.debounce);
      void this.search();
    });
    this.input.addEventListener('input', () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.search(), 250);
    });
    this.summary = h('p', { class: 'meta search-summary', 'aria-live': 'polite' });
    this.results = h('ol', { class: 'results', 'data-testid': 'results', 'aria-label': 'Search results' });
    this.detail = h('section', { class: 'chunk-detail', 'data-testid': 'chunk-detail', 'aria-label': 'Passage', hidden: '' });
    this.element = h('div', { class: 'search-view' }, form, this.summary, h('div', { class: 'search-body' }, this.results, this.detail));
  }

  /** Runs the search again (e.g. after sources were added or removed). */
  rerun(): void {
    if (this.input.value.trim()) void this.search();
  }

  focus(): void {
    this.input.focus();
  }

  private async search(): Promise<void> {
    // Searched as typed: the last word also matches as a prefix ("borr" finds "borrow") unless a
    // space ends it, so trailing whitespace is kept.
    const query = this.input.value.trimStart();
    const seq = ++this.searchSeq;
    if (!query.trim()) {
      this.results.replaceChildren();
      this.summary.textContent = '';
      return;
    }
    try {
      const hits = await this.store.search(this.spaceId, query, { k: 20, prefix: true });
      if (seq !== this.searchSeq) return;
      this.summary.textContent = hits.length === 0 ? `No passages match “${query.trim()}”.` : `${hits.length} passage${hits.length === 1 ? '' : 's'}`;
      this.results.replaceChildren(...hits.map((hit) => this.hitItem(hit, () => void this.open(hit.chunkId))));
    } catch (e) {
      if (seq === this.searchSeq) this.options.onError(e);
    }
  }

  private hitItem(hit: SearchHit, onOpen: () => void): HTMLLIElement {
    const path = hit.headingPath.length ? hit.headingPath.join(' › ') : null;
    const button = h('button', { type: 'button', class: 'hit', 'data-chunk-id': hit.chunkId },
      h('span', { class: 'hit-head' },
        h('span', { class: 'hit-title' }, hit.sourceTitle ?? 'Untitled'),
        path && h('span', { class: 'hit-path' }, path),
        h('span', { class: 'chip' }, CHUNK_TYPE_LABELS[hit.chunkType] ?? hit.chunkType)),
      h('span', { class: 'snippet' }, snippetNodes(hit.snippet)));
    button.addEventListener('click', onOpen);
    return h('li', {}, button);
  }

  /** Shows a chunk and the passages similar to it. */
  async open(chunkId: Id): Promise<void> {
    const seq = ++this.detailSeq;
    for (const b of this.results.querySelectorAll<HTMLButtonElement>('button.hit')) {
      b.classList.toggle('selected', b.dataset.chunkId === chunkId);
    }
    try {
      const [chunk, similar] = await Promise.all([
        this.store.getChunk(chunkId),
        this.store.similar({ chunkId }, { k: 5 }),
      ]);
      if (seq !== this.detailSeq) return;
      this.showDetail(chunk, similar.filter((s) => s.chunkId !== chunkId));
    } catch (e) {
      if (seq === this.detailSeq) this.options.onError(e);
    }
  }

  private showDetail(chunk: Chunk, similar: SearchHit[]): void {
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close passage' }, '×');
    close.addEventListener('click', () => {
      this.detail.hidden = true;
      this.results.querySelector<HTMLButtonElement>(`button.hit.selected`)?.focus();
    });
    const heading = h('h3', { tabindex: '-1' }, chunk.sourceTitle ?? 'Passage');
    const onMap = this.options.onShowOnMap;
    let showOnMap: HTMLButtonElement | null = null;
    if (onMap) {
      showOnMap = h('button', { type: 'button', class: 'secondary' }, 'Show on map');
      showOnMap.addEventListener('click', () => onMap(chunk.contentSourceId));
    }
    fill(this.detail,
      h('div', { class: 'detail-head' }, heading, close),
      chunk.headingPath.length ? h('p', { class: 'hit-path' }, chunk.headingPath.join(' › ')) : null,
      h('p', { class: 'meta' }, `${CHUNK_TYPE_LABELS[chunk.chunkType] ?? chunk.chunkType} · passage ${chunk.chunkIndex + 1} · ${chunk.tokenCount} tokens`),
      h('div', { class: 'chunk-text', 'data-testid': 'chunk-text' }, chunk.text),
      showOnMap,
      h('h4', {}, 'Similar passages'),
      similar.length
        ? h('ol', { class: 'results similar', 'data-testid': 'similar' }, ...similar.map((s) => this.hitItem(s, () => void this.open(s.chunkId))))
        : h('p', { class: 'meta' }, 'Nothing similar yet.'),
    );
    this.detail.hidden = false;
    this.detail.dataset.chunkId = chunk.id;
    heading.focus();
  }
}
