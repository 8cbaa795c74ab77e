/** Where the chosen theme is kept ('light' or 'dark'; absent = follow the system). */
export const THEME_STORAGE_KEY = 'meridian-theme';

/**
 * Applies the saved theme before first paint (no flash of the wrong theme). The `dark` class on <html> is the
 * one switch the styles (and `color-scheme`) follow; theme.tsx keeps it in step afterwards.
 */
export const THEME_SCRIPT = `try{var t=localStorage.getItem('${THEME_STORAGE_KEY}');if(t==='dark'||(t!=='light'&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}`;
