/** A composed message, ready for the mail outbox. */
export interface ComposedEmail {
  /** The template's name, shown at GET /admin/emails. */
  template: string
  subject: string
  text: string
  html: string
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Every value put into an HTML body goes through this: names and addresses are user input. */
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

/**
 * The HTML frame every message shares: paragraphs of text, an optional button-like link. Values
 * are escaped here, so templates pass plain strings.
 */
export function htmlBody(options: { heading: string; paragraphs: string[]; link?: { href: string; label: string } }): string {
  const paragraphs = options.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')
  const link = options.link
    ? `<p><a href="${escapeHtml(options.link.href)}">${escapeHtml(options.link.label)}</a></p>\n<p>${escapeHtml(options.link.href)}</p>`
    : ''
  return `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<h1 style="font-size: 1.25em">${escapeHtml(options.heading)}</h1>
${paragraphs}
${link}
</body></html>
`
}

/** Minutes as words for "this link works for …". */
export const describeMinutes = (ms: number) => {
  const minutes = Math.round(ms / 60_000)
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}
