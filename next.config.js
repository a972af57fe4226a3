/** @type {import('next').NextConfig} */
const nextConfig = {
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
        ],
      },
    ];
  },
};

export default nextConfig;
