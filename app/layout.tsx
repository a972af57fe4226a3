import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Margin Atlas",
  description: "Curate LLM preference datasets by explicit, implicit and alignment-potential margins, in your browser.",
};

/** Root layout. Rendered per request: the CSP nonce (proxy.ts) differs each time and a prerendered page has none. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
