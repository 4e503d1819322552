/**
 * The one text the classifier reads for a request, whoever assembles it (intake, `suban classify`,
 * a city's history for `suban train`): a title first on its own line, because the first line
 * weighs more; then the content; then the place the operator or the channel recorded (诉求地址),
 * after it, so that a village matter whose text names no village still goes to the township the
 * address is in, while a place named in the text itself keeps its position.
 */
export function requestText(parts: { content: string; title?: string | null; place?: string | null }): string {
  const content = parts.content.trim();
  const title = parts.title?.trim() ?? '';
  const place = parts.place?.trim() ?? '';
  // A title alone still says what the request was about; one repeated as the content is not doubled.
  const told = !title || title === content ? content : !content ? title : `${title}\n${content}`;
  return told && place ? `${told} ${place}` : told;
}
