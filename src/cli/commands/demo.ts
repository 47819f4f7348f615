export const DEMO_HELP = '';
export async function demoCommand(): Promise<number> { return 0; }
