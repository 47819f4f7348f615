export const EVAL_HELP = '';
export async function evalCommand(): Promise<number> { return 0; }
