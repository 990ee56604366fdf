/**
 * The part of picomatch 4 this library uses. @types/picomatch is not installed; delete this file
 * when it is (the two declarations would conflict).
 */
declare module 'picomatch' {
  namespace picomatch {
    interface PicomatchOptions {
      dot?: boolean;
      windows?: boolean;
      strictBrackets?: boolean;
      nocase?: boolean;
      /** Throw when the regular expression built from the glob does not compile (else it matches nothing). */
      debug?: boolean;
    }
    type Matcher = (input: string) => boolean;
  }
  /** Compiles a glob into a matcher; throws on an invalid glob (with `strictBrackets`). */
  function picomatch(glob: string | readonly string[], options?: picomatch.PicomatchOptions): picomatch.Matcher;
  export = picomatch;
}
