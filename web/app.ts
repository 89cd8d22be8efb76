// The kspace page: spaces, their sources, adding notes and dropped files. It talks to the engine
// only through the client (js/), which runs the engine in a worker, so the page never blocks.
// All user text reaches the DOM through textContent, never as HTML.
import type { Source, Space, Store } from '../js/index.js';

type Child = Node | string | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

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

export interface AppOptions {
  /** Called after the first render, e.g. to seed a sample space. */
  onReady?: () => void;
}

/** Renders the app into `root` and keeps it in sync with `store`. */
export class KspaceApp {
  private spaces: Space[] = [];
  private selected: string | null = null;
  private sources: Source[] = [];
  private readonly status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly spaceList = h('ul', { class: 'spaces', 'data-testid': 'spaces' });
  private readonly sourcePane = h('section', { class: 'sources' });

  constructor(
    private readonly root: HTMLElement,
    private readonly store: Store,
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
      h('main', {}, h('nav', {}, h('h2', {}, 'Spaces'), this.spaceList, form), this.sourcePane),
    );
  }

  /** Runs an action, showing its error (with code and field) instead of throwing. */
  private async run(action: () => Promise<void>): Promise<void> {
    try {
      await action();
      this.setStatus('');
    } catch (e) {
      const err = e as { code?: string; message?: string; field?: string };
      this.setStatus(`${err.code ?? 'ERROR'}: ${err.message ?? String(e)}${err.field ? ` (${err.field})` : ''}`, true);
    }
  }

  setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  async refresh(): Promise<void> {
    this.spaces = await this.store.listSpaces();
    if (!this.spaces.some((s) => s.id === this.selected)) this.selected = this.spaces[0]?.id ?? null;
    this.sources = this.selected ? await this.store.listSources(this.selected) : [];
    this.render();
  }

  private render(): void {
    this.spaceList.replaceChildren(
      ...this.spaces.map((s) => {
        const b = h('button', { class: s.id === this.selected ? 'space selected' : 'space', 'data-id': s.id },
          `${s.icon ? `${s.icon} ` : ''}${s.title}`, h('small', {}, ` ${s.documentCount}`));
        b.addEventListener('click', () => {
          this.selected = s.id;
          void this.run(() => this.refresh());
        });
        return h('li', {}, b);
      }),
    );
    const space = this.spaces.find((s) => s.id === this.selected);
    if (!space) {
      this.sourcePane.replaceChildren(h('p', { class: 'empty' }, 'Create a space to start.'));
      return;
    }
    this.sourcePane.replaceChildren(
      h('h2', {}, space.title),
      h('p', { class: 'meta' }, `${space.documentCount} sources · ${formatBytes(space.totalSizeBytes)} of ${formatBytes(space.storageQuotaBytes)}`),
      this.noteForm(space),
      this.dropZone(space),
      h('ul', { class: 'source-list', 'data-testid': 'sources' }, ...this.sources.map((s) => this.sourceItem(s))),
    );
  }

  private noteForm(space: Space): HTMLFormElement {
    const title = h('input', { name: 'note-title', placeholder: 'Note title', 'aria-label': 'Note title' });
    const text = h('textarea', { name: 'note-text', placeholder: 'Write Markdown…', rows: '4', 'aria-label': 'Note text' });
    const form = h('form', { class: 'new-note', 'data-testid': 'new-note' }, title, text, h('button', { type: 'submit' }, 'Add note'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run(async () => {
        await this.store.addSource(space.id, { title: title.value, text: text.value, mediaType: 'text', origin: 'paste' });
        title.value = '';
        text.value = '';
        await this.refresh();
      });
    });
    return form;
  }

  private dropZone(space: Space): HTMLElement {
    const input = h('input', { type: 'file', multiple: '', 'aria-label': 'Add files' });
    const zone = h('div', { class: 'drop', 'data-testid': 'drop' }, 'Drop files here, or ', input);
    const add = (files: FileList | null) =>
      void this.run(async () => {
        for (const file of Array.from(files ?? [])) {
          this.setStatus(`Adding ${file.name}…`);
          const { mediaType, mimeType } = mediaTypeOf(file);
          const bytes = new Uint8Array(await file.arrayBuffer());
          const input: Parameters<Store['addSource']>[1] = { title: file.name, bytes, mediaType, origin: 'upload', path: file.webkitRelativePath || file.name };
          if (mimeType) input.mimeType = mimeType;
          await this.store.addSource(space.id, input);
        }
        await this.refresh();
      });
    input.addEventListener('change', () => add(input.files));
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      add(e.dataTransfer?.files ?? null);
    });
    return zone;
  }

  private sourceItem(s: Source): HTMLLIElement {
    const del = h('button', { class: 'delete', title: 'Delete', 'aria-label': `Delete ${s.title}` }, '×');
    del.addEventListener('click', () =>
      void this.run(async () => {
        await this.store.deleteSource(s.id);
        await this.refresh();
      }));
    return h('li', { 'data-id': s.id },
      h('span', { class: 'title' }, s.title),
      h('span', { class: 'meta' }, `${s.mediaType} · ${formatBytes(s.totalSizeBytes)} · ${s.status}`),
      del);
  }
}
