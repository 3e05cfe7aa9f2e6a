// Markdown code blocks of README.md and docs/*.md, for the tests that type-check them (test/unit/readme.test.ts)
// and run them as a user would (test/package/docs-snippets.test.ts).

export interface Block {
  /** 1-based line of the opening fence in its file. */
  line: number;
  lang: string;
  /** Words after the language on the fence line (e.g. "fragment"). */
  flags: string[];
  heading: string;
  code: string;
}

/** Fenced code blocks of a markdown text, each with the heading it appears under. */
export function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^#{1,6} /.test(l)) heading = l.replace(/^#+ /, "");
    const open = /^```(\S*)\s*(.*)$/.exec(l);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`line ${start + 1}: code block is never closed`);
    blocks.push({ line: start + 1, lang: open[1]!, flags: open[2]!.split(/\s+/).filter(Boolean), heading, code: body.join("\n") });
  }
  return blocks;
}

