/**
 * `BENCH_CASES=…` re-runs some cases; the report it writes keeps the others' sections and summary rows
 * from the previous BENCHMARKS.md, saying when and by what command those were measured. Cases are the
 * report's numbered sections (`## 3. Rules`); a case run now replaces its earlier section.
 */

interface Parsed {
  /** Everything before the first `## ` heading. */
  readonly head: string;
  /** Sections by heading, in file order, each from its `## ` line to the next. */
  readonly sections: readonly { readonly title: string; readonly text: string }[];
}

function parse(report: string): Parsed {
  const parts = report.split(/^(?=## )/m);
  const head = parts[0]?.startsWith('## ') ? '' : (parts.shift() ?? '');
  return {
    head,
    sections: parts.map((text) => ({ title: text.slice(3, text.indexOf('\n')).trim(), text })),
  };
}

/** The number of a case section (`8. serve: OTLP ingest` → 8), or undefined for the others. */
const caseNumber = (title: string): number | undefined => {
  const match = /^(\d+)\. /.exec(title);
  return match ? Number(match[1]) : undefined;
};

const measuredLine = (head: string) => /^Measured .*$/m.exec(head)?.[0];

/** Summary rows (`| case | figure | value | target | met |`) of the given case titles. */
function summaryRows(head: string, titles: ReadonlySet<string>): string[] {
  return head
    .split('\n')
    .filter((line) => titles.has(line.split('|')[1]?.trim().replaceAll('\\|', '|') ?? '\u0000'));
}

export function keepEarlierCases(fresh: string, previous: string | undefined): string {
  if (previous === undefined) return fresh;
  const now = parse(fresh);
  const before = parse(previous);
  const ran = new Set(now.sections.map((s) => s.title).filter((t) => caseNumber(t) !== undefined));
  const kept = before.sections.filter(({ title }) => caseNumber(title) !== undefined && !ran.has(title));
  if (kept.length === 0) return fresh;

  const cases = [...now.sections.filter(({ title }) => ran.has(title)), ...kept].sort(
    (a, b) => caseNumber(a.title)! - caseNumber(b.title)!,
  );
  const keptTitles = new Set(kept.map(({ title }) => title));
  const rows = [
    ...summaryRows(before.head, keptTitles),
    ...summaryRows(now.head, new Set([...ran].filter((title) => !keptTitles.has(title)))),
  ].sort((a, b) => caseNumber(a.split('|')[1]!.trim())! - caseNumber(b.split('|')[1]!.trim())!);
  const verdicts = rows.map((row) => row.split('|').at(-2)?.trim());
  const met = verdicts.filter((v) => v === 'met').length;
  const targeted = verdicts.filter((v) => v === 'met' || v === '**missed**').length;

  const headLines = now.head.split('\n');
  const tableStart = headLines.findIndex((line) => line.startsWith('| case '));
  const tableEnd = headLines.findIndex((line, i) => i > tableStart + 1 && !line.startsWith('|'));
  const earlier = measuredLine(before.head)?.replace(/^Measured /, '') ?? 'an earlier run';
  const head = [
    ...headLines
      .slice(0, tableStart)
      .map((line) =>
        /^\*\*\d+ of \d+ targets met\.\*\*$/.test(line) ? `**${met} of ${targeted} targets met.**` : line,
      ),
    ...headLines.slice(tableStart, tableStart + 2),
    ...rows,
    ...headLines.slice(tableEnd),
  ].join('\n');
  const sizes = /^Sizes: (.*)\.$/m.exec(before.head)?.[1];
  const note = `Cases ${kept.map(({ title }) => caseNumber(title)).join(', ')} were not re-run: their sections and rows are kept from the report measured ${earlier}${sizes ? ` Its sizes: ${sizes}.` : ''}`;
  const withNote = head.replace(/^(Sizes: .*)$/m, `$1\n${note}`);
  const others = now.sections.filter(({ title }) => caseNumber(title) === undefined);
  const how = others.filter(({ title }) => title !== 'Reproduce');
  const reproduce = others.filter(({ title }) => title === 'Reproduce');
  return [
    withNote,
    ...how.map((s) => s.text),
    ...cases.map((s) => s.text),
    ...reproduce.map((s) => s.text),
  ].join('');
}
