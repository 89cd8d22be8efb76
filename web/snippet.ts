// Search snippets arrive as plain text with the matched words wrapped in literal <mark></mark>
// tags. They are split here into text runs, never parsed as HTML: every other character, including
// any "<" of the user's own text, stays text. Pure (no DOM), so it is unit-tested in Node.

/** A run of snippet text, marked (a matched word) or not. */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

const OPEN = '<mark>';
const CLOSE = '</mark>';

/**
 * Splits a snippet on its literal `<mark>` / `</mark>` tags. Unbalanced tags are tolerated: a
 * stray `</mark>` is dropped, an unclosed `<mark>` marks the rest. Empty runs are left out and
 * adjacent runs of the same kind are joined.
 */
export function splitSnippet(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (text: string, mark: boolean) => {
    if (!text) return;
    const last = parts.at(-1);
    if (last && last.mark === mark) last.text += text;
    else parts.push({ text, mark });
  };
  let at = 0;
  let inMark = false;
  while (at < snippet.length) {
    const tag = inMark ? CLOSE : OPEN;
    const next = snippet.indexOf(tag, at);
    const stray = snippet.indexOf(inMark ? OPEN : CLOSE, at);
    // A tag of the wrong kind before the expected one is dropped (nested or stray tags).
    if (stray !== -1 && (next === -1 || stray < next)) {
      push(snippet.slice(at, stray), inMark);
      at = stray + (inMark ? OPEN.length : CLOSE.length);
      continue;
    }
    if (next === -1) {
      push(snippet.slice(at), inMark);
      break;
    }
    push(snippet.slice(at, next), inMark);
    at = next + tag.length;
    inMark = !inMark;
  }
  return parts;
}
