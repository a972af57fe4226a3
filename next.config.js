/** @type {import('next').NextConfig} */
const nextConfig = {
  // No "X-Powered-By: Next.js": nothing in the responses names the server software.
  poweredByHeader: false,
  // A separate build folder lets two builds (e.g. a dev check beside the test run) coexist without clobbering.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Cross-origin isolation makes SharedArrayBuffer available, which multi-threaded WASM (onnxruntime-web) needs.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
          { key: "Cross-Origin-Embedder-Policy", value: "require-corp" },
          // The Content-Security-Policy is set per request (it carries a nonce) in proxy.ts.
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
        ],
      },
    ];
  },
};

export default nextConfig;
