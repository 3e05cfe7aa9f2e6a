// `npm run lint`: a small rule set that catches real bugs (issue 26 item 8), not a style guide. Type-aware rules
// (floating and misused promises) use the TypeScript project service, so the linter sees the same types as tsc.
// Style is left to the code's authors; every rule here has found or would find a defect.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

// the one deliberate native Error (server/reply.ts) carries a disable comment with its reason
const PLAIN_ERRORS = "error";

export default tseslint.config(
  {
    ignores: ["dist/**", "node_modules/**", "docs/api/**", "test/vendor/**", "test/.readme-tmp/**", "test/.artifacts/**", "tmp/**"],
  },
  {
    files: ["**/*.{ts,mts,cts,js,mjs,cjs}"],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `_name` marks a deliberately unused binding (a callback's position, a rest sibling)
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // a wire-protocol library matches control characters on purpose (Python repr, JSON escapes, terminal codes)
      "no-control-regex": "off",
      // style, not defects
      "prefer-const": "off",
      "no-regex-spaces": "off",
      // `catch {}` after a best-effort cleanup (kill an exited process, remove a gone file) is deliberate
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  {
    files: ["**/*.{ts,mts,cts}"],
    extends: [tseslint.configs.eslintRecommended],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "no-unused-vars": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // a promise nobody awaits loses its rejection; a deliberate fire-and-forget says so with `void`
      // node:test's test()/describe() return promises the runner itself awaits
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "it", "describe", "suite", "before", "after", "beforeEach", "afterEach"] }] },
      ],
      // an async callback where the caller expects void (an event listener, a forEach) drops its rejection
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: true, attributes: false, properties: false, returns: false, variables: false } }],
      "@typescript-eslint/await-thenable": "error",
      // TypeScript already reports these, with types eslint's own versions do not see
      "no-redeclare": "off",
      "prefer-const": "off",
      "no-dupe-class-members": "off",
    },
  },
  {
    // tests write float literals past double precision on purpose: they check Python-compatible float parsing
    files: ["test/**", "bench/**"],
    rules: { "no-loss-of-precision": "off" },
  },
  {
    // every error the library throws is a PyroError subclass with an ERR_PYRO4_* code (src/errors.ts), so no
    // native error class is constructed in src
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        PLAIN_ERRORS,
        ...["NewExpression", "CallExpression"].map((node) => ({
          selector: `${node}[callee.name=/^(Error|TypeError|RangeError|SyntaxError|ReferenceError|URIError|EvalError|AggregateError)$/]`,
          message: "Throw a PyroError subclass from src/errors.ts (it carries an ERR_PYRO4_* code), not a native Error.",
        })),
      ],
    },
  },
);
