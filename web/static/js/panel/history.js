// What the info panel's history tabs share: the list of what the server answers, newest
// first, and the time each entry happened.
import { h } from "../dom.js";
import { dateTimeOf } from "../format.js";

/** The moment of an entry, as a <time> element. */
export const when = (at) => h("time", { datetime: at, text: dateTimeOf(at) });

/** What ``path`` answers as an <ol> (``list``: its attributes), one ``line(entry)`` each;
 * ``empty`` is the text shown when there is nothing yet. */
export async function historyList(ctx, path, { empty, list, line }) {
  const entries = await ctx.api(path);
  if (!entries.length) return h("p", { class: "muted", text: empty });
  return h("ol", list, entries.map(line));
}
