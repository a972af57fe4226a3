import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Margin Atlas",
  description: "Curate LLM preference datasets by explicit, implicit and alignment-potential margins, in your browser.",
};

/** Root layout. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
