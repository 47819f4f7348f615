/** The review editor's HTML: strict CSP, nonce'd scripts, assets from dist/webview only. Pure. */
import { randomBytes } from 'node:crypto';

export interface HtmlAssets {
  cspSource: string;
  script: string;
  style: string;
  codicons?: string;
  title: string;
}

export const makeNonce = (): string => randomBytes(18).toString('base64').replace(/[+/=]/g, '');

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function reviewHtml(a: HtmlAssets, nonce: string = makeNonce()): string {
  const csp = [
    "default-src 'none'",
    `img-src ${a.cspSource} blob: data:`,
    `style-src ${a.cspSource}`,
    `font-src ${a.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const codicons = a.codicons ? `\n  <link rel="stylesheet" href="${a.codicons}" id="vscode-codicon-stylesheet">` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">${codicons}
  <link rel="stylesheet" href="${a.style}">
  <title>${escapeHtml(a.title)}</title>
</head>
<body>
  <div id="app"></div>
  <script nonce="${nonce}" src="${a.script}"></script>
</body>
</html>`;
}
