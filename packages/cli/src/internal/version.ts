/**
 * Kept in sync with package.json by a test: importing package.json would put it outside
 * `rootDir` and into the declaration output.
 *
 * @internal
 */
export const version = "0.1.0"
