// CSS imported for its side effect: Bun's bundler puts it in the page's stylesheet.
declare module '*.css'
