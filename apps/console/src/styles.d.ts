/** Vite bundles the CSS a module imports; TypeScript only needs to know the import exists. */
declare module '*.css';
