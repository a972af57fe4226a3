/**
 * Sets the Content-Security-Policy on every response (Next.js 16 "proxy", formerly middleware): a fresh nonce per
 * request, passed to the renderer in the request's own CSP header, from which Next.js reads it and puts it on its
 * inline bootstrap scripts. Worker scripts under /_next/static get the policy too: a dedicated worker is governed
 * by the CSP of its own script's response, so this is what keeps the scoring worker's fetches on the allowed hosts.
 */
import { NextResponse, type NextRequest } from "next/server";
import { buildContentSecurityPolicy, CONNECT_SRC_ENV, createNonce, parseConnectSources } from "@/lib/security/csp";

const extra = parseConnectSources(process.env[CONNECT_SRC_ENV]);
if (extra.refused.length > 0)
  console.error(`${CONNECT_SRC_ENV}: ignored ${extra.refused.map((t) => `"${t}"`).join(", ")} (not an origin)`);

/** Adds the CSP (and the nonce, as `x-nonce`) to the request seen by the renderer and to the response. */
export function proxy(request: NextRequest): NextResponse {
  const nonce = createNonce();
  const csp = buildContentSecurityPolicy({ nonce, connectSrc: extra.sources });
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  return response;
}

/** Every path but the image optimiser (unused) and the icon, which carry no script. */
export const config = {
  matcher: ["/((?!_next/image|icon\\.svg|favicon\\.ico).*)"],
};
