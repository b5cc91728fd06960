/**
 * The ISO 639-1 two-letter language codes (lower case), used to reject codes that have the right shape but name
 * no language (e.g. "xx", or "sp", which X's own v1.1 example uses for Spanish: the code is "es").
 *
 * @internal
 */
export const iso6391: ReadonlySet<string> = new Set(
  (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el " +
    "en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu " +
    "ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na " +
    "nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so " +
    "sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
  ).split(" ")
)

/**
 * Common ISO 639-2/3 three-letter codes and frequent mistakes, mapped to the two-letter code X wants, so the error
 * message can suggest the fix.
 *
 * @internal
 */
export const suggestions: Readonly<Record<string, string>> = {
  eng: "en",
  fra: "fr",
  fre: "fr",
  deu: "de",
  ger: "de",
  spa: "es",
  sp: "es",
  ita: "it",
  por: "pt",
  jpn: "ja",
  jp: "ja",
  zho: "zh",
  chi: "zh",
  cn: "zh",
  kor: "ko",
  rus: "ru",
  ara: "ar",
  hin: "hi",
  nld: "nl",
  dut: "nl",
  pol: "pl",
  tur: "tr",
  swe: "sv",
  ukr: "uk",
  ua: "uk",
  dk: "da",
  gr: "el",
  cz: "cs",
  fil: "tl"
}

/**
 * Withdrawn ISO 639-1 codes that Java and Android `Locale` still produce, mapped to the codes that replaced them (the
 * same languages): normalised without complaint.
 *
 * @internal
 */
export const withdrawn: Readonly<Record<string, string>> = { iw: "he", in: "id", ji: "yi" }
