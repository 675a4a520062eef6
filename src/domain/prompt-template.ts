/** `为您预约{date}{subject}考试` with `{date: '3月12日', subject: '科目二'}` -> the personal sentence. */
const FIELD = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function templateFields(template: string): string[] {
  return [...new Set([...template.matchAll(FIELD)].map((m) => m[1]!))];
}

/** The filled template, or the names of the fields it needs and `fields` lacks. */
export function fillTemplate(template: string, fields: Record<string, string>): { text: string } | { missing: string[] } {
  const missing = templateFields(template).filter((f) => fields[f] === undefined || fields[f].trim() === '');
  if (missing.length) return { missing };
  return { text: template.replace(FIELD, (_, f: string) => fields[f]!.trim()).trim() };
}
