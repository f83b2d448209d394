/**
 * Words that end in a point without ending a sentence, as data for the sentence splitter
 * (`sentences.ts`). Written as they appear in running text: the match is case-sensitive, so
 * "Sun." (Sunday) is a short form and "the sun." is not.
 */
export interface AbbreviationData {
  /** Titles and words that always lean on the next word: "Sen. Kerry", "Gen. Petraeus", "Smith vs. Jones". */
  before: readonly string[];
  /**
   * Short forms that may also end a sentence ("…based in the U.S." / "…Acme Inc."): they bind to
   * the next word unless that word opens a sentence. Any run of initials ("U.S.", "J.R.", "a.m.")
   * and any single capital initial ("J.") count as these without being listed.
   */
  either: readonly string[];
}

/** English news usage: AP-style titles, months and days, company and place suffixes. */
export const ENGLISH_ABBREVIATIONS: AbbreviationData = {
  before: [
    'Mr', 'Mrs', 'Ms', 'Messrs', 'Mmes', 'Dr', 'Prof', 'Sen', 'Sens', 'Rep', 'Reps', 'Gov', 'Lt', 'Gen', 'Adm',
    'Col', 'Maj', 'Capt', 'Cmdr', 'Cdr', 'Cpl', 'Sgt', 'Pvt', 'Spc', 'Brig', 'Rev', 'Msgr', 'Hon', 'Pres',
    'Supt', 'Det', 'Insp', 'Atty', 'Amb', 'Sec', 'Fr', 'Sra', 'Mme', 'Mlle', 'vs', 'v', 'Vs',
  ],
  either: [
    'Jr', 'Sr', 'Inc', 'Corp', 'Co', 'Cos', 'Ltd', 'Llc', 'Bros', 'Assn', 'Dept', 'Univ', 'Govt',
    'St', 'Ste', 'Mt', 'Ft', 'Ave', 'Blvd', 'Rd', 'Hwy', 'Pl', 'Sq',
    'Jan', 'Feb', 'Mar', 'Apr', 'Jun', 'Jul', 'Aug', 'Sep', 'Sept', 'Oct', 'Nov', 'Dec',
    'Mon', 'Tue', 'Tues', 'Wed', 'Thu', 'Thur', 'Thurs', 'Fri', 'Sat', 'Sun',
    'No', 'Nos', 'Vol', 'Vols', 'Fig', 'Figs', 'Ch', 'Eds', 'Op',
    // A state after its city is followed by a comma, which ends no sentence: only the forms that are no words.
    'etc', 'approx', 'est', 'al', 'cf', 'ca', 'Calif', 'Fla', 'Tenn', 'Tex', 'Conn', 'Colo', 'Ariz', 'Okla', 'Penn', 'Minn', 'Mich',
  ],
};
