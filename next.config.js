/** @type {import('next').NextConfig} */
const nextConfig = {
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
