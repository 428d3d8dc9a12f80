/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF, a field quoted when
 * it holds a comma, a quote, a line break or edge spaces, and quotes inside doubled. Reddit
 * titles have all of these, so the storage app writes and reads its file through here.
 *
 * @example
 * ```ts
 * const text = csvRecord(["id", "title"]) + csvRecord(["1a", 'Say "hi", then go']);
 * parseCsv(text); // [["id", "title"], ["1a", 'Say "hi", then go']]
 * ```
 *
 * @module
 */

/**
 * One field, quoted only when it must be.
 *
 * @example
 * ```ts
 * csvField('a "b", c'); // '"a ""b"", c"'
 * ```
 */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One record, CRLF-terminated.
 *
 * @example
 * ```ts
 * csvRecord(["1a", "x,y"]); // '1a,"x,y"\r\n'
 * ```
 */
export function csvRecord(cells: readonly string[]): string {
  return `${cells.map(csvField).join(",")}\r\n`;
}

/**
 * Parses CSV text into records of fields. Accepts CRLF or LF line ends and quoted fields that
 * span lines; a final line end is optional. Throws on a quote that is never closed, naming
 * the line it opened on.
 *
 * @example
 * ```ts
 * parseCsv('a,"b\nc"\r\n'); // [["a", "b\nc"]]
 * ```
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  let i = 0;
  const endField = () => {
    record.push(field);
    field = "";
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === "") {
      quoted = true;
      quoteLine = line;
    } else if (ch === ",") endField();
    else if (ch === "\r" && text[i + 1] === "\n") {
      endRecord();
      line++;
      i++;
    } else if (ch === "\n") {
      endRecord();
      line++;
    } else field += ch;
    i++;
  }
  if (quoted) throw new Error(`CSV: the quoted field opened on line ${quoteLine} is never closed`);
  if (field !== "" || record.length > 0) endRecord();
  return records;
}
