// Page layout that CSS alone cannot do: on a phone the settings and data sections start folded,
// so the output map and the loss chart are the first screen (a student following a lecture
// needs those; the rest opens on demand).

/** The width (CSS px) under which the page uses its phone layout; keep equal to styles.css. */
export const PHONE_MAX = 600;

/** @param {Document} doc */
export function installLayout(doc) {
  const view = doc.defaultView;
  if (!view?.matchMedia(`(max-width: ${PHONE_MAX}px)`).matches) return;
  for (const fold of doc.querySelectorAll("details.fold[data-phone-folded]")) fold.removeAttribute("open");
}
