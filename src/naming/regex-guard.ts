// Bounded evaluation of client-supplied name server regexes. JavaScript's RegExp backtracks and has no timeout,
// so a pattern like `(a+)+$` against a long name would freeze the name server's event loop for every client.
// Patterns that cannot backtrack badly run inline (the common case: `test\..*`); anything else runs in a warm
// worker thread with a hard deadline, and the worker is terminated when the deadline passes.

import { Worker } from "node:worker_threads";
import { NamingError } from "../errors.js";

/** Longest pattern the name server accepts (Python has no limit; a guard against pathological inputs). */
export const MAX_REGEX_LENGTH = 1024;
/** Default time budget for one regex list/remove, in milliseconds. */
export const DEFAULT_REGEX_BUDGET_MS = 1000;
/** Worker threads evaluating regexes at the same time (the machine's cores are the name server's too). */
const MAX_WORKERS = 2;

/**
 * True when the Python pattern cannot backtrack super-linearly: no back-references, and either no quantifier
 * at all or a single quantifier with no alternation (`(a|aa)*` is exponential with one quantifier). Errs on the
 * side of "not cheap": verbose-mode comments or escapes it does not understand only send a pattern to the worker.
 */
export function isCheapPattern(p: string): boolean {
  let quantifiers = 0;
  let alternation = false;
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") {
      const n = p[i + 1];
      if (n !== undefined && n >= "1" && n <= "9" && !inClass) return false; // back-reference
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    switch (c) {
      case "[":
        inClass = true;
        if (p[i + 1] === "^") i++;
        if (p[i + 1] === "]") i++; // a leading ] is a literal
        break;
      case "|":
        alternation = true;
        break;
      case "(":
        if (p.startsWith("(?P=", i)) return false; // named back-reference
        if (p[i + 1] === "?") i++; // group extension, not a quantifier
        break;
      case "*":
      case "+":
        quantifiers++;
        if (p[i + 1] === "?" || p[i + 1] === "+") i++; // lazy / possessive modifier of the same quantifier
        break;
      case "?":
        quantifiers++;
        if (p[i + 1] === "?") i++;
        break;
      case "{":
        if (/^\{\d*(,\d*)?\}/.test(p.slice(i, i + 24))) quantifiers++;
        break;
    }
  }
  return quantifiers === 0 || (quantifiers === 1 && !alternation);
}

// Plain CommonJS so the worker needs no loader (tsx or a build) to start.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (m) => {
  const re = new RegExp(m.source, m.flags);
  const names = m.names;
  const hits = [];
  for (let i = 0; i < names.length; i++) {
    re.lastIndex = 0;
    if (re.test(names[i])) hits.push(i);
  }
  parentPort.postMessage(hits);
});
`;

interface Job {
  re: RegExp;
  names: string[];
  deadline: number;
  budgetMs: number;
  resolve: (hits: number[]) => void;
  reject: (e: unknown) => void;
}

function budgetError(budgetMs: number): NamingError {
  return new NamingError(`invalid regex: evaluation exceeded the name server's time budget of ${budgetMs} ms`);
}

/** A small pool of worker threads (one kept warm and unref'd) that run regex matches with a deadline. */
class RegexWorkers {
  private idle: Worker | null = null;
  private busy = 0;
  private readonly queue: Job[] = [];

  run(re: RegExp, names: string[], budgetMs: number): Promise<number[]> {
    return new Promise<number[]>((resolve, reject) => {
      this.queue.push({ re, names, deadline: Date.now() + budgetMs, budgetMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length && this.busy < MAX_WORKERS) {
      const job = this.queue.shift()!;
      const left = job.deadline - Date.now();
      if (left <= 0) {
        job.reject(budgetError(job.budgetMs));
        continue;
      }
      this.start(job, left);
    }
  }

  private start(job: Job, leftMs: number): void {
    let worker = this.idle;
    this.idle = null;
    if (!worker) {
      worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], env: {}, stdout: false, stderr: false });
    }
    const w = worker;
    w.ref();
    this.busy++;
    let settled = false;
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      w.removeListener("message", onMessage);
      w.removeListener("error", onError);
      w.removeListener("exit", onExit);
      this.busy--;
    };
    const onMessage = (hits: number[]): void => {
      finish();
      if (this.idle) void w.terminate();
      else {
        w.unref();
        this.idle = w;
      }
      job.resolve(hits);
      this.pump();
    };
    const onError = (e: Error): void => {
      finish();
      void w.terminate();
      job.reject(new NamingError("invalid regex: " + e.message));
      this.pump();
    };
    const onExit = (): void => {
      if (settled) return;
      finish();
      job.reject(new NamingError("invalid regex: evaluation stopped"));
      this.pump();
    };
    const timer = setTimeout(() => {
      if (settled) return;
      finish();
      void w.terminate();
      job.reject(budgetError(job.budgetMs));
      this.pump();
    }, leftMs);
    w.on("message", onMessage);
    w.once("error", onError);
    w.once("exit", onExit);
    w.postMessage({ source: job.re.source, flags: job.re.flags, names: job.names });
  }
}

let workers: RegexWorkers | null = null;

/**
 * The names `re` matches (re.match semantics: `re` is sticky). Cheap patterns run inline and return
 * synchronously; others run in a worker and reject with NamingError when `budgetMs` passes.
 */
export function matchNames(pattern: string, re: RegExp, names: string[], budgetMs: number): string[] | Promise<string[]> {
  if (isCheapPattern(pattern) || names.length === 0) {
    const out: string[] = [];
    for (const n of names) {
      re.lastIndex = 0;
      if (re.test(n)) out.push(n);
    }
    return out;
  }
  workers ??= new RegexWorkers();
  return workers.run(re, names, budgetMs).then((hits) => hits.map((i) => names[i]!));
}
