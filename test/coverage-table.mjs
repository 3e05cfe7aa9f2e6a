// The per-folder coverage table `npm test` prints last (test/run.mjs): c8's json-summary has one row per file;
// a maintainer wants to see at a glance which part of src/ the tests reach least, so rows are summed per folder.

/**
 * Sum c8's per-file `summary` (coverage-summary.json) into one row per folder of src/ (files directly in src/
 * form the row "src/"), and write the table with `write`, weakest folder by line coverage first.
 * @param {Record<string, Record<string, {total: number, covered: number}>>} summary
 * @param {(file: string) => string} rel the file's path relative to the repository
 * @param {(line: string) => void} write
 * @returns {{folder: string, lines: number[], branches: number[], functions: number[]}[]} the rows, as printed
 */
export function printCoverageTable(summary, rel, write) {
  const rows = new Map();
  const add = (folder, file) => {
    const row = rows.get(folder) ?? { folder, lines: [0, 0], branches: [0, 0], functions: [0, 0] };
    for (const k of ["lines", "branches", "functions"]) {
      row[k][0] += file[k].covered;
      row[k][1] += file[k].total;
    }
    rows.set(folder, row);
  };
  for (const [file, data] of Object.entries(summary)) {
    if (file === "total") continue;
    const parts = rel(file).split(/[\\/]/);
    add(parts.length > 2 ? `${parts[0]}/${parts[1]}/` : `${parts[0]}/`, data);
  }
  const sorted = [...rows.values()].sort((a, b) => pct(a.lines) - pct(b.lines) || a.folder.localeCompare(b.folder));
  const total = { folder: "all of src/", lines: [0, 0], branches: [0, 0], functions: [0, 0] };
  for (const row of sorted) for (const k of ["lines", "branches", "functions"]) (total[k][0] += row[k][0]), (total[k][1] += row[k][1]);
  const cell = ([c, t]) => `${pct([c, t]).toFixed(1).padStart(5)}% ${`(${c}/${t})`.padEnd(13)}`;
  write("");
  write(`coverage of src/ by the tests' own processes (lines, branches, functions; weakest first):`);
  write(`${"folder".padEnd(18)} ${"lines".padEnd(20)} ${"branches".padEnd(20)} functions`);
  for (const row of [...sorted, total]) write(`${row.folder.padEnd(18)} ${cell(row.lines)}  ${cell(row.branches)}  ${cell(row.functions)}`.trimEnd());
  return sorted;
}

function pct([covered, total]) {
  return total === 0 ? 100 : (100 * covered) / total;
}
