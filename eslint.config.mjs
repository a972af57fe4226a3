import { builtinModules } from "node:module";
import tseslint from "typescript-eslint";
import nextVitals from "eslint-config-next/core-web-vitals";

// Bare Node built-ins (`fs`, `path`, `url`, `crypto`, `worker_threads`, `util`, …); subpaths such as `fs/promises`
// are covered by the `(/.*)?` of the pattern below. Node's own list, so a new built-in is caught without an edit.
const NODE_BUILTINS = builtinModules.filter((name) => !name.includes("/")).join("|");

// lib/ is plain TypeScript that runs in the browser (pages, workers) and in Node (CLI, tests): STYLE.md.
// Regexes, not globs: a glob such as "path" would also match a relative "./path" or "@/lib/x/path".
const LIB_PORTABLE_PATTERNS = [
  {
    regex: "^(react|react-dom|zustand|next)(/.*)?$",
    message:
      "lib/ is plain TypeScript that runs in the browser and in Node: React, zustand and Next.js belong in components/ and app/.",
  },
  {
    regex: `^(node:.*|(${NODE_BUILTINS})(/.*)?)$`,
    message:
      "lib/ runs in the browser as well as in Node: no Node built-ins. Tests reach files, gzip and hashes through the helpers in test/ (test/shared-files.ts, test/node-codecs.ts), outside lib/.",
  },
];

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      ".next-*/**",
      "node_modules/**",
      "public/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
      "bench/out/**",
    ],
  },
  ...nextVitals,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["lib/**/*.{ts,tsx}"],
    ignores: ["lib/**/*.test.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...LIB_PORTABLE_PATTERNS,
            {
              regex: "^(@/|(\\.\\./)+)(test|scripts|bench|e2e|bin|components|app|workers)(/|$)|^vitest(/|$)",
              message:
                "lib/ is what the app, the workers and the CLI bundle: it must not import test helpers, build scripts (the demo-model builders), benchmarks, views or workers.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests of lib/ run in Node but stay portable too; their file access goes through test/.
    files: ["lib/**/*.test.{ts,tsx}"],
    rules: { "no-restricted-imports": ["error", { patterns: LIB_PORTABLE_PATTERNS }] },
  },
  {
    // Components talk to workers only through typed clients in lib/*-client.ts (STYLE.md).
    files: ["components/**/*.{ts,tsx}", "app/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "onnxruntime-web", message: "Use a typed client from lib/ instead." }],
          patterns: [{ group: ["@/workers/*", "../workers/*"], message: "Use a typed client from lib/ instead." }],
        },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.property.name='postMessage']", message: "Use a typed client from lib/." },
      ],
    },
  },
);
