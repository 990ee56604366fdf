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
    /** What the parser made of a glob: the regular expression's body, without anchors or negation. */
    interface ParseState {
      output: string;
      /** A leading `!`: the glob matches what the body does not. */
      negated: boolean;
      /** Absent when a fast path built the output without tokenizing. */
      tokens?: Array<{ type: string; value: string }>;
    }
    /** The regular-expression fragments picomatch builds globs from (lib/constants.js). */
    interface GlobChars {
      DOT_LITERAL: string;
      SLASH_LITERAL: string;
      ONE_CHAR: string;
      STAR: string;
      NO_DOTS: string;
      NO_DOT_SLASH: string;
      NO_DOTS_SLASH: string;
    }
  }
  /** Only its parser is used (makeRe with the parse state); RE2 matches (libs/hooks/src/builtins.ts). */
  namespace picomatch {
    /** The JavaScript regular expression picomatch matches with, and the parse state it was built from. */
    function makeRe(glob: string, options: PicomatchOptions, returnOutput: false, returnState: true): RegExp & { state: ParseState };
    const constants: { globChars(windows: boolean): GlobChars };
  }
  export = picomatch;
}
