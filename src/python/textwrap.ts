// Python's textwrap.wrap() with its default settings, because optparse wraps each option's help with it:
// `pyro4 ns -h` lines must break where `python3 -m Pyro4.naming -h` breaks them, at any COLUMNS, including
// Python's habit of breaking after the hyphen of "bc-port".

import { invalidValue } from "../error-base.js";

// Python's \w on str patterns is Unicode letters, numbers and "_"; `letter` is [^\d\W] (a \w that is not a digit).
const W = String.raw`[\p{L}\p{N}_]`;
const LETTER = String.raw`[\p{L}\p{Nl}\p{No}_]`;
const WORD_PUNCT = String.raw`[\p{L}\p{N}_!"'&.,?]`;
const WS = String.raw`[\t\n\x0b\x0c\r ]`;
const NWS = String.raw`[^\t\n\x0b\x0c\r ]`;

// textwrap.TextWrapper.wordsep_re (break_on_hyphens=True), written out without re.VERBOSE
const WORDSEP = new RegExp(
  `(${WS}+` +
    `|(?<=${WORD_PUNCT})-{2,}(?=${W})` +
    `|${NWS}+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
    `|(?=${WS}|$)` +
    `|(?<=${WORD_PUNCT})(?=-{2,}${W})))`,
  "u",
);

/** Python's str.expandtabs(8). */
function expandTabs(text: string): string {
  let out = "";
  let col = 0;
  for (const ch of text) {
    if (ch === "\t") {
      const n = 8 - (col % 8);
      out += " ".repeat(n);
      col += n;
    } else {
      out += ch;
      col = ch === "\n" || ch === "\r" ? 0 : col + 1;
    }
  }
  return out;
}

const len = (s: string) => [...s].length;

/** textwrap.wrap(text, width): the lines, without trailing newlines (an empty list for blank text). */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) throw invalidValue(`invalid width ${width} (must be > 0)`);
  const munged = expandTabs(text).replace(/[\t\n\x0b\x0c\r]/g, " ");
  const chunks = munged.split(WORDSEP).filter((c) => c);
  chunks.reverse();
  const lines: string[] = [];
  while (chunks.length) {
    const line: string[] = [];
    let cur = 0;
    if (lines.length && chunks.at(-1)!.trim() === "") chunks.pop();
    while (chunks.length) {
      const l = len(chunks.at(-1)!);
      if (cur + l > width) break;
      line.push(chunks.pop()!);
      cur += l;
    }
    if (chunks.length && len(chunks.at(-1)!) > width) {
      // _handle_long_word with break_long_words and break_on_hyphens
      const spaceLeft = width < 1 ? 1 : width - cur;
      const chunk = [...chunks.at(-1)!];
      let end = spaceLeft;
      if (chunk.length > spaceLeft) {
        const hyphen = spaceLeft > 0 ? chunk.lastIndexOf("-", spaceLeft - 1) : -1;
        if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== "-")) end = hyphen + 1;
      }
      line.push(chunk.slice(0, end).join(""));
      chunks[chunks.length - 1] = chunk.slice(end).join("");
    }
    if (line.length && line.at(-1)!.trim() === "") line.pop();
    if (line.length) lines.push(line.join(""));
  }
  return lines;
}
