/**
 * The `anomalyLens.annotationFolder` setting as a workspace-relative posix path. Annotations are
 * written under it, so a value that leaves the workspace folder (absolute, a drive, `..` past the
 * root) is refused before anything is read or written.
 */
import { AnomalyLensError } from '../shared/errors';

export const ANNOTATION_FOLDER_SETTING = 'anomalyLens.annotationFolder';

/** The normalized folder (no `.`, `..` or empty segments), or SETTING_INVALID. */
export function checkAnnotationFolder(value: string): string {
  const refuse = (why: string) =>
    new AnomalyLensError('SETTING_INVALID', `${ANNOTATION_FOLDER_SETTING} is ${JSON.stringify(value)}: ${why}`, {
      hint: `Set ${ANNOTATION_FOLDER_SETTING} to a folder inside the workspace folder, for example ".anomaly-lens/annotations". Nothing was written.`,
    });
  const p = value.replace(/\\/g, '/').trim();
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) throw refuse('an absolute path, outside the workspace folder');
  const kept: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!kept.length) throw refuse('it resolves outside the workspace folder');
      kept.pop();
    } else kept.push(seg);
  }
  if (!kept.length) throw refuse('it names the workspace folder itself, not a folder inside it');
  return kept.join('/');
}
