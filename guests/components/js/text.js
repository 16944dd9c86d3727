// The demo:text/analyze interface of text.wit, in plain JavaScript: a
// guest made by componentize-qjs (tools/js_components.bzl).

const WORD = /[\p{L}\p{N}']+/gu;

function words(text) {
  return text.match(WORD) ?? [];
}

function describe(text) {
  const all = words(text);
  const sentences = text
    .split(/[.!?]+/)
    .filter((s) => words(s).length > 0).length;
  let longestWord = "";
  for (const w of all) {
    if ([...w].length > [...longestWord].length) longestWord = w;
  }
  return { words: all.length, sentences, longestWord };
}

function topKeywords(text, n) {
  if (n > 1000) throw new RangeError(`n is ${n}, over 1000`);
  const counts = new Map();
  for (const w of words(text)) {
    if ([...w].length < 3) continue;
    const key = w.toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([word, count]) => ({ word, count }));
}

function score(text, weights) {
  // A thrown value is the result's error case.
  if (weights.length === 0) throw "weights is empty";
  const all = words(text);
  if (all.length === 0) throw "text has no words";
  let sum = 0;
  for (const w of all) {
    sum += weights[Math.min([...w].length, weights.length) - 1];
  }
  return sum / all.length;
}

const POSITIVE = new Set(["good", "great", "love", "excellent", "happy", "fast"]);
const NEGATIVE = new Set(["bad", "awful", "hate", "terrible", "sad", "slow"]);

function toneOf(text) {
  let balance = 0;
  for (const w of words(text)) {
    const key = w.toLowerCase();
    if (POSITIVE.has(key)) balance++;
    if (NEGATIVE.has(key)) balance--;
  }
  return balance > 0 ? "positive" : balance < 0 ? "negative" : "neutral";
}

function stamp(text) {
  return `${new Date().toISOString()} ${text}`;
}

export const analyze = { describe, topKeywords, score, toneOf, stamp };
