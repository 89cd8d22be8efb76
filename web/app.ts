// The kspace page: spaces, their sources, adding notes and dropped files (ingested as a job with
// progress and a Cancel button), search, and the map of each space. It talks to the engine only
// through the client (js/), which runs the engine in a worker, so the page never blocks.
// All user text reaches the DOM as text nodes, never as HTML.
import type { Id, IngestProgress, Source, SourceInput, Space, Store } from '../js/index.js';
import { describeError, formatBytes, h, JobPanel } from './dom.js';
import { filesFromDrop, filesFromInput, type PickedFile } from './files.js';
import { SearchView } from './search-view.js';
import { MapView, mapApiOf, runLayout } from './map-view.js';

function mediaTypeOf(file: File): { mediaType: Source['mediaType']; mimeType: string | undefined } {
  const mime = file.type || undefined;
  const name = file.name.toLowerCase();
  if (mime?.startsWith('image/')) return { mediaType: 'image', mimeType: mime };
  if (mime?.startsWith('audio/')) return { mediaType: 'audio', mimeType: mime };
  if (mime?.startsWith('video/')) return { mediaType: 'video', mimeType: mime };
  if (/\.(md|markdown)$/.test(name)) return { mediaType: 'document', mimeType: 'text/markdown' };
  if (/\.html?$/.test(name)) return { mediaType: 'web', mimeType: 'text/html' };
  if (/\.(txt|rst|org|csv|json)$/.test(name) || mime?.startsWith('text/')) {
    return { mediaType: 'document', mimeType: mime ?? 'text/plain' };
  }
  return { mediaType: 'document', mimeType: mime };
}

/** "Processing 3 of 10 sources · 42 passages" and the fraction done, from an ingest report. */
export function describeIngest(p: IngestProgress): { fraction: number | null; text: string } {
  const stage = { stage: 'Storing', parse: 'Reading', embed: 'Embedding', commit: 'Indexing', done: 'Done' }[p.stage];
  const fraction = p.stage === 'stage' ? null : p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.sourcesDone / Math.max(1, p.sourcesTotal);
  const extra = [
    `${p.chunks} passage${p.chunks === 1 ? '' : 's'}`,
    p.failed ? `${p.failed} failed` : '',
    p.duplicates ? `${p.duplicates} already there` : '',
  ].filter(Boolean).join(' · ');
  return { fraction, text: `${stage}: ${p.sourcesDone} of ${p.sourcesTotal} source${p.sourcesTotal === 1 ? '' : 's'} · ${extra}` };
}

export interface AppOptions {
  /** Called after the first render, e.g. to seed a sample space. */
  onReady?: () => void;
}

type Tab = 'sources' | 'map';

/** The selected space's pane: its header, tabs (sources and search; map), kept across refreshes. */
class SpacePane {
  readonly element: HTMLElement;
  readonly search: SearchView;
  map: MapView | null = null;
  private readonly title = h('h2', {});
  private readonly meta = h('p', { class: 'meta' });
  private readonly sourceList = h('ul', { class: 'source-list', 'data-testid': 'sources', 'aria-label': 'Sources' });
  private readonly noSources = h('p', { class: 'empty' }, 'No sources yet: add a note or drop files.');
  private readonly tabs: Record<Tab, HTMLButtonElement>;
  private readonly panels: Record<Tab, HTMLElement>;
  tab: Tab = 'sources';

  constructor(readonly app: KspaceApp, readonly space: Space) {
    this.search = new SearchView(app.store, space.id, {
      onError: (e) => app.showError(e),
      ...(mapApiOf(app.store) ? {
        onShowOnMap: (sourceId: Id) => {
          this.show('map');
          void this.map?.focusSource(sourceId);
        },
      } : {}),
    });
    const mk = (id: Tab, label: string) => {
      const b = h('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': `panel-${id}`, 'data-tab': id }, label);
      b.addEventListener('click', () => this.show(id));
      b.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
          e.preventDefault();
          const next: Tab = id === 'sources' ? 'map' : 'sources';
          this.show(next);
          this.tabs[next].focus();
        }
      });
      return b;
    };
    this.tabs = { sources: mk('sources', 'Sources & search'), map: mk('map', 'Map') };
    this.panels = {
      sources: h('div', { role: 'tabpanel', id: 'panel-sources', 'aria-labelledby': 'tab-sources', class: 'panel' },
        this.search.element,
        h('div', { class: 'add' }, this.noteForm(), this.dropZone()),
        h('h3', {}, 'Sources'),
        this.noSources,
        this.sourceList),
      map: h('div', { role: 'tabpanel', id: 'panel-map', 'aria-labelledby': 'tab-map', class: 'panel map-tab' }),
    };
    this.element = h('section', { class: 'space-pane', 'data-space-id': space.id },
      this.title, this.meta,
      h('div', { role: 'tablist', 'aria-label': 'Views', class: 'tabs' }, this.tabs.sources, this.tabs.map),
      this.panels.sources, this.panels.map);
    this.update(space, []);
    this.show('sources');
  }

  show(tab: Tab): void {
    this.tab = tab;
    for (const t of ['sources', 'map'] as const) {
      this.tabs[t].setAttribute('aria-selected', String(t === tab));
      this.tabs[t].tabIndex = t === tab ? 0 : -1;
      this.panels[t].hidden = t !== tab;
    }
    if (tab === 'map') {
      if (!this.map) {
        const api = mapApiOf(this.app.store);
        if (!api) {
          this.panels.map.replaceChildren(h('p', { class: 'empty' }, 'The map is not available in this build.'));
          return;
        }
        this.map = new MapView(api, this.space.id, {
          onError: (e) => this.app.showError(e),
          announce: (t) => this.app.setStatus(t),
          jobs: this.app.jobs,
        });
        this.panels.map.replaceChildren(this.map.element);
      }
      this.map.activate();
    } else {
      this.map?.deactivate();
    }
  }

  update(space: Space, sources: Source[]): void {
    this.title.textContent = `${space.icon && !/^(https?:|data:)/.test(space.icon) ? `${space.icon} ` : ''}${space.title}`;
    this.meta.textContent = `${space.documentCount} sources · ${formatBytes(space.totalSizeBytes)} of ${formatBytes(space.storageQuotaBytes)}`;
    this.sourceList.replaceChildren(...sources.map((s) => this.sourceItem(s)));
    this.noSources.hidden = sources.length > 0;
  }

  destroy(): void {
    this.map?.destroy();
  }

  private noteForm(): HTMLFormElement {
    const title = h('input', { name: 'note-title', placeholder: 'Note title', 'aria-label': 'Note title' });
    const text = h('textarea', { name: 'note-text', placeholder: 'Write Markdown…', rows: '4', 'aria-label': 'Note text' });
    const form = h('form', { class: 'new-note', 'data-testid': 'new-note' }, title, text, h('button', { type: 'submit' }, 'Add note'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const input: SourceInput = { title: title.value, text: text.value, mediaType: 'text', origin: 'paste' };
      void this.app.ingest(this.space, [input], title.value || 'note').then((ok) => {
        if (ok) {
          title.value = '';
          text.value = '';
        }
      });
    });
    return form;
  }

  private dropZone(): HTMLElement {
    const input = h('input', { type: 'file', multiple: '', 'aria-label': 'Add files' });
    // Kept out of the document (clicking it still opens the folder picker): the zone's one file
    // input stays the files one.
    const folder = h('input', { type: 'file', webkitdirectory: '', 'aria-label': 'Add a folder' });
    const folderButton = h('button', { type: 'button', class: 'secondary' }, 'Add a folder…');
    folderButton.addEventListener('click', () => folder.click());
    const zone = h('div', { class: 'drop', 'data-testid': 'drop' }, 'Drop files or a folder here, or ', input, ' ', folderButton);
    const add = async (files: PickedFile[]) => {
      const usable = files.filter((f) => f.file.size > 0);
      if (usable.length === 0) return;
      const inputs: SourceInput[] = [];
      for (const { file, path } of usable) {
        const { mediaType, mimeType } = mediaTypeOf(file);
        const bytes = new Uint8Array(await file.arrayBuffer());
        const one: SourceInput = { title: file.name, bytes, mediaType, origin: path.includes('/') ? 'vault' : 'upload', path };
        if (mimeType) one.mimeType = mimeType;
        inputs.push(one);
      }
      await this.app.ingest(this.space, inputs, usable.length === 1 ? usable[0]!.file.name : `${usable.length} files`);
    };
    const fromInput = (el: HTMLInputElement) =>
      void add(filesFromInput(el)).catch((e) => this.app.showError(e)).finally(() => {
        el.value = '';
      });
    input.addEventListener('change', () => fromInput(input));
    folder.addEventListener('change', () => fromInput(folder));
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      if (!e.dataTransfer) return;
      void filesFromDrop(e.dataTransfer).then(add).catch((err) => this.app.showError(err));
    });
    return zone;
  }

  private sourceItem(s: Source): HTMLLIElement {
    const del = h('button', { type: 'button', class: 'delete', title: 'Delete', 'aria-label': `Delete ${s.title}` }, '×');
    del.addEventListener('click', () =>
      void this.app.run(async () => {
        await this.app.store.deleteSource(s.id);
        await this.app.refresh();
        this.search.rerun();
      }));
    const retry = s.status === 'failed' ? h('button', { type: 'button', class: 'retry', 'aria-label': `Retry ${s.title}` }, 'Retry') : null;
    retry?.addEventListener('click', () =>
      void this.app.run(async () => {
        await this.app.store.retrySources([s.id]);
        await this.app.refresh();
      }));
    const parts = [s.mediaType, formatBytes(s.totalSizeBytes), s.status];
    if (s.status === 'processed') parts.push(`${s.numChunks} passage${s.numChunks === 1 ? '' : 's'}`);
    return h('li', { 'data-id': s.id, 'data-status': s.status, class: s.status },
      h('div', { class: 'source-main' },
        h('span', { class: 'title' }, s.title),
        h('span', { class: 'meta' }, parts.join(' · ')),
        s.status === 'failed' ? h('span', { class: 'error-message', role: 'note' }, s.errorMessage ?? 'Processing failed.') : null),
      retry, del);
  }
}

/** Renders the app into `root` and keeps it in sync with `store`. */
export class KspaceApp {
  private spaces: Space[] = [];
  private selected: string | null = null;
  private pane: SpacePane | null = null;
  private readonly status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly spaceList = h('ul', { class: 'spaces', 'data-testid': 'spaces' });
  private readonly paneHost = h('div', { class: 'pane-host' });
  /** Running jobs (ingests, layouts): each with its progress bar and Cancel button. */
  readonly jobs = h('div', { class: 'jobs', 'data-testid': 'jobs' });

  constructor(
    private readonly root: HTMLElement,
    readonly store: Store,
  ) {
    const title = h('input', { name: 'title', placeholder: 'New space title', 'aria-label': 'Space title', required: '' });
    const form = h('form', { class: 'new-space', 'data-testid': 'new-space' }, title, h('button', { type: 'submit' }, 'Create space'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run(async () => {
        const space = await this.store.createSpace({ title: title.value });
        title.value = '';
        this.selected = space.id;
        await this.refresh();
      });
    });
    root.replaceChildren(
      h('header', {}, h('h1', {}, 'kspace'), this.status),
      h('main', {}, h('nav', { 'aria-label': 'Spaces' }, h('h2', {}, 'Spaces'), this.spaceList, form), h('div', { class: 'content' }, this.jobs, this.paneHost)),
    );
  }

  /** Runs an action, showing its error (with code and field) instead of throwing. */
  async run(action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (e) {
      this.showError(e);
      return false;
    }
  }

  showError(e: unknown): void {
    this.setStatus(describeError(e).text, true);
  }

  setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  /** The pane of the selected space (for tests and the demo). */
  get currentPane(): { space: Space; map: MapView | null; show(tab: Tab): void } | null {
    return this.pane;
  }

  async refresh(): Promise<void> {
    this.spaces = await this.store.listSpaces();
    if (!this.spaces.some((s) => s.id === this.selected)) this.selected = this.spaces[0]?.id ?? null;
    const sources = this.selected ? await this.store.listSources(this.selected) : [];
    this.render(sources);
  }

  /** Ingests `inputs` into `space` with a progress bar and a Cancel button; true when it finished. */
  async ingest(space: Space, inputs: SourceInput[], label: string): Promise<boolean> {
    const job = new JobPanel(`Adding ${label}`);
    this.jobs.append(job.element);
    this.setStatus(`Adding ${label}…`);
    try {
      const result = await this.store.ingest(space.id, inputs, {
        signal: job.signal,
        onProgress: (p) => {
          const d = describeIngest(p);
          job.update(d.fraction, d.text);
        },
      });
      const added = result.sources.length - result.duplicates;
      const parts = [`Added ${added} source${added === 1 ? '' : 's'} (${result.chunks} passages)`];
      if (result.duplicates) parts.push(`${result.duplicates} already there`);
      if (result.failed) {
        const failed = result.sources.filter((s) => s.status === 'failed');
        parts.push(`${result.failed} failed: ${failed.map((s) => `${s.title}: ${s.errorMessage ?? 'error'}`).join('; ')}`);
      }
      this.setStatus(parts.join(' · '), result.failed > 0);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'CANCELLED') this.setStatus(`Cancelled adding ${label}.`);
      else this.showError(e);
      return false;
    } finally {
      job.remove();
      // New sources join the map where the saved layout puts them (no refit).
      const map = mapApiOf(this.store);
      if (map) await this.run(async () => void (await map.place(space.id)));
      await this.run(() => this.refresh());
      if (this.pane?.space.id === space.id) {
        this.pane.search.rerun();
        this.pane.map?.changed();
      }
    }
  }

  /**
   * Lays out a space's map with a progress bar (through its map view when it is shown); false
   * when this build has no map API or the layout failed or was cancelled.
   */
  async layoutSpace(spaceId: Id): Promise<boolean> {
    const pane = this.pane?.space.id === spaceId ? this.pane : null;
    if (pane?.map) {
      await pane.map.layout();
      return pane.map.canvas.dataset.layout === 'done';
    }
    const api = mapApiOf(this.store);
    if (!api) return false;
    const ok = await runLayout(api, spaceId, { jobs: this.jobs, onError: (e) => this.showError(e), announce: (t) => this.setStatus(t) });
    if (ok) pane?.map?.changed();
    return ok;
  }

  private render(sources: Source[]): void {
    this.spaceList.replaceChildren(
      ...this.spaces.map((s) => {
        const b = h('button', { type: 'button', class: s.id === this.selected ? 'space selected' : 'space', 'data-id': s.id },
          `${s.icon && !/^(https?:|data:)/.test(s.icon) ? `${s.icon} ` : ''}${s.title}`, h('small', {}, ` ${s.documentCount}`));
        if (s.id === this.selected) b.setAttribute('aria-current', 'true');
        b.addEventListener('click', () => {
          this.selected = s.id;
          void this.run(() => this.refresh());
        });
        return h('li', {}, b);
      }),
    );
    const space = this.spaces.find((s) => s.id === this.selected);
    if (!space) {
      this.pane?.destroy();
      this.pane = null;
      this.paneHost.replaceChildren(h('p', { class: 'empty' }, 'Create a space to start.'));
      return;
    }
    if (this.pane?.space.id !== space.id) {
      this.pane?.destroy();
      this.pane = new SpacePane(this, space);
      this.paneHost.replaceChildren(this.pane.element);
    }
    this.pane.update(space, sources);
  }
}
