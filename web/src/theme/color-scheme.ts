/**
 * How the chosen colour scheme reaches the page: a class on <html> (`light` or `dark`), set
 * before the first paint by `InitColorSchemeScript` in the root layout from the choice the theme
 * switch stored in localStorage ("system", the default, follows `prefers-color-scheme`).
 * The theme and that script must agree on it, so both read it from here (a server module: the
 * root layout needs the value itself, not a client reference).
 */
export const COLOR_SCHEME_ATTRIBUTE = 'class';
