// Small DOM helpers for the kspace page. User text only ever reaches the DOM as text nodes
// (textContent / append of strings), never as HTML.
import { splitSnippet } from './snippet.js';

export type Child = Node | string | null | undefined | false;

/** Creates an element with attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

/** A snippet as nodes: text runs, and <mark> elements (built, not parsed) around matched words. */
export function snippetNodes(snippet: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const part of splitSnippet(snippet)) {
    frag.append(part.mark ? h('mark', {}, part.text) : document.createTextNode(part.text));
  }
  return frag;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** An error's code, message and field, for the status line. */
export function describeError(e: unknown): { code: string; text: string } {
  const err = e as { code?: string; message?: string; field?: string };
  const code = err.code ?? 'ERROR';
  return { code, text: `${code}: ${err.message ?? String(e)}${err.field ? ` (${err.field})` : ''}` };
}

/**
 * A long job's panel: a label, a <progress> bar and a Cancel button that aborts `signal`.
 * `update(fraction, text)` with fraction null shows an indeterminate bar.
 */
export class JobPanel {
  readonly element: HTMLElement;
  private readonly controller = new AbortController();
  private readonly label: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly cancel: HTMLButtonElement;

  constructor(title: string) {
    this.label = h('span', { class: 'job-label' }, title);
    this.bar = h('progress', { max: '1', 'aria-label': title });
    this.cancel = h('button', { type: 'button', class: 'cancel', 'aria-label': `Cancel: ${title}` }, 'Cancel');
    this.cancel.addEventListener('click', () => {
      this.cancel.disabled = true;
      this.label.textContent = `${this.label.textContent ?? ''} — cancelling…`;
      this.controller.abort();
    });
    this.element = h('div', { class: 'job', role: 'group', 'aria-label': title, 'data-testid': 'job' }, this.label, this.bar, this.cancel);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  update(fraction: number | null, text: string): void {
    if (this.controller.signal.aborted) return;
    if (fraction === null) this.bar.removeAttribute('value');
    else this.bar.value = Math.max(0, Math.min(1, fraction));
    this.label.textContent = text;
  }

  remove(): void {
    this.element.remove();
  }
}

/** Replaces `el`'s children, skipping null/undefined/false ones. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}
