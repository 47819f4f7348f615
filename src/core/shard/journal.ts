/**
 * An append-only JSONL journal of finished images, fsync'd after every line, so a killed scan
 * restarts where it stopped. Line 1 is a header (shard, model, folders); each further line is one
 * finished image (scored row or failure). A torn last line (crash mid-write) is ignored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnomalyLensError, type ErrorInfo } from '../../shared/errors';

export const JOURNAL_FILE = 'journal.jsonl';
export const JOURNAL_FORMAT = 1;

export interface JournalHeader {
  type: 'header';
  format: number;
  /** "i/n", or "" for an unsharded scan with a journal. */
  shard: string;
  modelId: string;
  /** Absolute folders the rows' file paths live in (merge rebases them). */
  outDir: string;
  annotationDir: string;
  createdAt: string;
}

export interface JournalScored<Row> {
  type: 'scored';
  name: string;
  row: Row;
  /** Which run wrote it (pid.startTime.sequence), to tell resumed work from redone work. */
  run: string;
}

export interface JournalFailed {
  type: 'failed';
  name: string;
  error: ErrorInfo;
  run: string;
}

export type JournalEntry<Row> = JournalScored<Row> | JournalFailed;

export interface JournalContents<Row> {
  header: JournalHeader;
  entries: JournalEntry<Row>[];
  /** Bytes of a torn last line that were ignored. */
  tornBytes: number;
}

/** Reads a journal; undefined when there is none. */
export function readJournal<Row>(file: string): JournalContents<Row> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  // Everything after the last newline is an unfinished write.
  const tail = lines.pop() ?? '';
  const parsed: unknown[] = [];
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    try {
      parsed.push(JSON.parse(l));
    } catch {
      throw new AnomalyLensError('DATASET_INVALID', `journal line ${i + 1} is not JSON`, { file, hint: 'the journal is damaged; delete the output folder and rescan this shard' });
    }
  });
  const header = parsed[0] as JournalHeader | undefined;
  if (!header || header.type !== 'header') throw new AnomalyLensError('DATASET_INVALID', 'journal has no header line', { file, hint: 'delete the output folder and rescan this shard' });
  if (header.format > JOURNAL_FORMAT) throw new AnomalyLensError('DATASET_INVALID', `journal format ${header.format} is newer than this tool reads`, { file, hint: 'update Anomaly Lens' });
  return { header, entries: parsed.slice(1) as JournalEntry<Row>[], tornBytes: Buffer.byteLength(tail, 'utf8') };
}

let journalOpens = 0;

export class ScanJournal<Row> {
  private constructor(
    readonly file: string,
    private fd: number,
    readonly header: JournalHeader,
    /** Entries from earlier runs, by name (the last one wins). */
    readonly previous: Map<string, JournalEntry<Row>>,
    readonly run: string,
  ) {}

  /**
   * Opens (or creates) the journal in `outDir`. An existing journal must belong to the same shard
   * and model; otherwise the folder holds someone else's results and nothing is mixed.
   */
  static open<Row>(outDir: string, h: Omit<JournalHeader, 'type' | 'format' | 'createdAt'>): ScanJournal<Row> {
    const file = path.join(outDir, JOURNAL_FILE);
    fs.mkdirSync(outDir, { recursive: true });
    const existing = readJournal<Row>(file);
    const previous = new Map<string, JournalEntry<Row>>();
    let header: JournalHeader;
    if (existing) {
      header = existing.header;
      if (header.shard !== h.shard || header.modelId !== h.modelId) {
        throw new AnomalyLensError('BAD_ARGUMENT', `this output folder holds shard "${header.shard}" of model ${header.modelId}; this run is shard "${h.shard}" of model ${h.modelId}`, {
          file: outDir,
          hint: 'use a separate --out per shard and model (or delete the folder to start over)',
        });
      }
      for (const e of existing.entries) previous.set(e.name, e);
      if (existing.tornBytes > 0) {
        // Cut the torn line so the next append starts on a fresh line.
        fs.truncateSync(file, fs.statSync(file).size - existing.tornBytes);
      }
    } else {
      header = { type: 'header', format: JOURNAL_FORMAT, ...h, createdAt: new Date().toISOString() };
      // The journal appears with its header already in it (temp file + rename): a reader, or a
      // resume after a kill, never sees a journal without one.
      const tmp = `${file}.tmp-${process.pid}`;
      const tfd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(tfd, `${JSON.stringify(header)}\n`);
        fs.fsyncSync(tfd);
      } finally {
        fs.closeSync(tfd);
      }
      fs.renameSync(tmp, file);
    }
    const fd = fs.openSync(file, 'a');
    // The sequence keeps two opens in one process and one millisecond apart.
    return new ScanJournal<Row>(file, fd, header, previous, `${process.pid}.${Date.now()}.${++journalOpens}`);
  }

  has(name: string): boolean {
    return this.previous.has(name);
  }

  private write(obj: unknown): void {
    fs.writeSync(this.fd, `${JSON.stringify(obj)}\n`);
    fs.fsyncSync(this.fd);
  }

  scored(name: string, row: Row): void {
    this.write({ type: 'scored', name, row, run: this.run } satisfies JournalScored<Row>);
  }

  failed(name: string, error: ErrorInfo): void {
    this.write({ type: 'failed', name, error, run: this.run } satisfies JournalFailed);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
