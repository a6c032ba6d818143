/* BERT WordPiece tokenizer, lower-casing, as Hugging Face `tokenizers` runs it for
 * all-MiniLM-L6-v2 (BertNormalizer with clean_text, handle_chinese_chars, lowercase and
 * accent stripping; BertPreTokenizer; WordPiece with "##" and [UNK]; [CLS] ... [SEP]).
 * tests/test_widget_tokenizer.py checks its ids against the Python tokenizer's on every
 * eval text. A classic script (no module) so that it also loads from file:// without error;
 * in node it is a CommonJS module.
 */
(function (root) {
  "use strict";

  var CONTROL = /\p{C}/u;
  var WHITESPACE = /\p{White_Space}/u;
  var PUNCTUATION = /\p{P}/u;
  var NONSPACING_MARK = /\p{Mn}/gu;

  function isChinese(code) {
    return (
      (code >= 0x4e00 && code <= 0x9fff) ||
      (code >= 0x3400 && code <= 0x4dbf) ||
      (code >= 0x20000 && code <= 0x2a6df) ||
      (code >= 0x2a700 && code <= 0x2b73f) ||
      (code >= 0x2b740 && code <= 0x2b81f) ||
      (code >= 0x2b820 && code <= 0x2ceaf) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0x2f800 && code <= 0x2fa1f)
    );
  }

  function isAsciiPunctuation(code) {
    return (
      (code >= 33 && code <= 47) ||
      (code >= 58 && code <= 64) ||
      (code >= 91 && code <= 96) ||
      (code >= 123 && code <= 126)
    );
  }

  // BertNormalizer: drop NUL, U+FFFD and control characters (tab, newline and carriage
  // return count as whitespace), whitespace to a space, spaces around CJK ideographs,
  // then NFD without non-spacing marks, then lower case.
  function normalize(text) {
    var out = "";
    for (var ch of text) {
      var code = ch.codePointAt(0);
      if (ch === "\t" || ch === "\n" || ch === "\r") {
        out += " ";
      } else if (code === 0 || code === 0xfffd || CONTROL.test(ch)) {
        continue;
      } else if (WHITESPACE.test(ch)) {
        out += " ";
      } else if (isChinese(code)) {
        out += " " + ch + " ";
      } else {
        out += ch;
      }
    }
    // Lower case one character at a time, as `tokenizers` does: no final-sigma rule.
    var lowered = "";
    for (var c of out.normalize("NFD").replace(NONSPACING_MARK, "")) lowered += c.toLowerCase();
    return lowered;
  }

  // BertPreTokenizer: split on whitespace, and every punctuation character is a word.
  function preTokenize(text) {
    var words = [];
    var current = "";
    for (var ch of text) {
      var code = ch.codePointAt(0);
      if (WHITESPACE.test(ch)) {
        if (current) words.push(current);
        current = "";
      } else if (isAsciiPunctuation(code) || PUNCTUATION.test(ch)) {
        if (current) words.push(current);
        words.push(ch);
        current = "";
      } else {
        current += ch;
      }
    }
    if (current) words.push(current);
    return words;
  }

  function WordPiece(vocabText, options) {
    options = options || {};
    this.vocab = new Map();
    var lines = vocabText.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    for (var i = 0; i < lines.length; i++) this.vocab.set(lines[i].replace(/\r$/, ""), i);
    this.maxLength = options.maxLength || 256;
    this.maxInputCharsPerWord = 100;
    this.unk = this.vocab.get("[UNK]");
    this.cls = this.vocab.get("[CLS]");
    this.sep = this.vocab.get("[SEP]");
  }

  WordPiece.prototype.wordIds = function (word) {
    var chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) return [this.unk];
    var ids = [];
    var start = 0;
    while (start < chars.length) {
      var end = chars.length;
      var found = null;
      while (start < end) {
        var piece = chars.slice(start, end).join("");
        if (start > 0) piece = "##" + piece;
        if (this.vocab.has(piece)) {
          found = this.vocab.get(piece);
          break;
        }
        end -= 1;
      }
      if (found === null) return [this.unk];
      ids.push(found);
      start = end;
    }
    return ids;
  };

  WordPiece.prototype.pieces = function (text) {
    var ids = [];
    var words = preTokenize(normalize(text));
    for (var i = 0; i < words.length; i++) ids.push.apply(ids, this.wordIds(words[i]));
    return ids;
  };

  // Token ids of one text with [CLS] and [SEP], truncated to maxLength as the model's
  // tokenizer truncates (max_seq_length of the sentence-transformer).
  WordPiece.prototype.encode = function (text) {
    var ids = this.pieces(text).slice(0, this.maxLength - 2);
    return [this.cls].concat(ids, [this.sep]);
  };

  // How many tokens the text has before truncation, [CLS] and [SEP] included: above
  // maxLength, the model reads only the start of the text.
  WordPiece.prototype.length = function (text) {
    return this.pieces(text).length + 2;
  };

  var api = { WordPiece: WordPiece, normalize: normalize, preTokenize: preTokenize };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.P3WordPiece = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
