/** The tool's version, from package.json (esbuild inlines it in the bundles). */
import pkg from '../../package.json';

export const TOOL_VERSION: string = (pkg as { version: string }).version;
