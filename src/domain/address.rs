//! Korean administrative areas: where an address lies (시/도, 시/군/구, 읍/면/동), and the area
//! an open-API caller asks for.

/// Splits an address into (시/도, 시/군/구, 읍/면/동), borrowing from `addr`.
///
/// Reads road addresses in the 2020 style (`서울특별시 강남구 논현로 123 (논현동)`) and lot-number
/// (지번) addresses (`서울특별시 강남구 논현동 200-1`): the 시/군/구 may be two words
/// (`수원시 팔달구`) and is empty in 세종특별자치시; the third part is the 읍, 면 or 동 (or `…가`)
/// word right after it, or else the 동 leading the closing parentheses. Words may be separated
/// by any run of whitespace, and trailing spaces, commas and full stops (as 2020 rows had them)
/// are ignored. The 시/도 is returned as written: [`canonical_sido`] names it.
pub fn admin_area_of(addr: &str) -> (&str, &str, Option<&str>) {
    let addr = addr.trim_start().trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '.'));
    let (sido, rest) = first_word(addr);
    let sigungu_start = rest.len() - rest.trim_start().len();
    let mut sigungu_end = sigungu_start;
    let mut tail = rest;
    for _ in 0..2 {
        let (word, after) = first_word(tail);
        if !is_named(word, &['시', '군', '구']) {
            break;
        }
        sigungu_end = rest.len() - tail.trim_start().len() + word.len();
        tail = after;
    }
    let (next_word, _) = first_word(tail);
    // Road names end in 로 or 길, so a 동 or 가 word here is the 동 of a lot-number address.
    let area = if is_named(next_word, &['읍', '면', '동', '가']) {
        Some(next_word)
    } else {
        parenthesised_dong(addr)
    };
    (sido, &rest[sigungu_start..sigungu_end], area)
}

/// The first word of `text` and what follows it, across any run of leading whitespace.
fn first_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    text.split_once(char::is_whitespace).unwrap_or((text, ""))
}

/// Whether `word` is a place name (two or more characters) ending in one of `suffixes`.
pub(crate) fn is_named(word: &str, suffixes: &[char]) -> bool {
    word.chars().nth(1).is_some() && word.ends_with(suffixes)
}

/// The legal 동 in a trailing `(논현동)` or `(역삼동, 강남빌딩)`.
fn parenthesised_dong(addr: &str) -> Option<&str> {
    let inner = addr.strip_suffix(')')?;
    let inner = &inner[inner.rfind('(')? + 1..];
    let dong = inner.split(',').next()?.trim();
    is_named(dong, &['동', '가']).then_some(dong)
}

/// An area a caller searches by: a 시/도 with a 시/군/구, optionally narrowed to a 읍/면/동.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AreaQuery {
    pub sido: String,
    pub sigungu: String,
    pub area: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreaQueryError {
    #[error("address is empty: send a 시/도 and a 시/군/구, e.g. 서울특별시 강남구")]
    Empty,
    #[error("a 시/도 alone is too wide: add a 시/군/구, e.g. 서울특별시 강남구")]
    ProvinceOnly,
    #[error("address must be a 시/도, a 시/군/구 and optionally a 읍/면/동, e.g. 서울특별시 강남구 논현동")]
    Shape,
}

/// Short and older names of the 시/도, as people and 2020 apps wrote them.
const SIDO_ALIASES: [(&str, &str); 17] = [
    ("서울", "서울특별시"),
    ("부산", "부산광역시"),
    ("대구", "대구광역시"),
    ("인천", "인천광역시"),
    ("광주", "광주광역시"),
    ("대전", "대전광역시"),
    ("울산", "울산광역시"),
    ("세종", "세종특별자치시"),
    ("경기", "경기도"),
    ("강원", "강원도"),
    ("충북", "충청북도"),
    ("충남", "충청남도"),
    ("전북", "전라북도"),
    ("전남", "전라남도"),
    ("경북", "경상북도"),
    ("경남", "경상남도"),
    ("제주", "제주특별자치도"),
];

/// The official long name of a 시/도 as addresses carry it (`서울` and `서울시` → `서울특별시`).
pub fn canonical_sido(name: &str) -> &str {
    let short = name.strip_suffix('시').filter(|s| s.chars().count() == 2).unwrap_or(name);
    let renamed = match name {
        "강원특별자치도" => Some("강원도"),
        "전북특별자치도" => Some("전라북도"),
        _ => None,
    };
    renamed
        .or_else(|| SIDO_ALIASES.iter().find(|(alias, _)| *alias == short).map(|(_, full)| *full))
        .unwrap_or(name)
}

/// The 시/도 an address lies in, by its official name, when its first word names one.
pub fn sido_of(addr: &str) -> Option<&'static str> {
    let (first, _, _) = admin_area_of(addr);
    let name = canonical_sido(first);
    SIDO_ALIASES.iter().map(|(_, full)| *full).find(|full| *full == name)
}

impl AreaQuery {
    /// Parses `서울특별시 강남구`, `경기도 수원시 팔달구 인계동`, `세종특별자치시 보람동`.
    pub fn parse(raw: &str) -> Result<Self, AreaQueryError> {
        let words: Vec<&str> = raw.split_whitespace().collect();
        let (sido, rest) = words.split_first().ok_or(AreaQueryError::Empty)?;
        let sido = canonical_sido(sido).to_owned();
        // Sejong has no 시/군/구: its 읍/면/동 follow the 시 directly.
        let sigungu_words = if sido == "세종특별자치시" {
            0
        } else {
            rest.iter().take(2).take_while(|w| is_named(w, &['시', '군', '구'])).count()
        };
        if sigungu_words == 0 && sido != "세종특별자치시" {
            return Err(if rest.is_empty() { AreaQueryError::ProvinceOnly } else { AreaQueryError::Shape });
        }
        let (sigungu, rest) = rest.split_at(sigungu_words);
        let area = match rest {
            [] if sigungu_words == 0 => return Err(AreaQueryError::ProvinceOnly),
            [] => None,
            [area] if is_named(area, &['읍', '면', '동', '가']) => Some((*area).to_owned()),
            _ => return Err(AreaQueryError::Shape),
        };
        Ok(Self { sido, sigungu: sigungu.join(" "), area })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_area_of_reads_2020_style_addresses() {
        let cases = [
            ("서울특별시 강남구 논현로 123 (논현동)", ("서울특별시", "강남구", Some("논현동"))),
            ("경상북도 청도군 청도읍 청화로 45", ("경상북도", "청도군", Some("청도읍"))),
            ("경기도 수원시 팔달구 효원로 1-2 (인계동)", ("경기도", "수원시 팔달구", Some("인계동"))),
            ("세종특별자치시 한누리대로 2130 (보람동)", ("세종특별자치시", "", Some("보람동"))),
            ("세종특별자치시 조치원읍 세종로 2144", ("세종특별자치시", "", Some("조치원읍"))),
            ("서울특별시 중구 세종대로 110 (태평로1가, 서울시청)", ("서울특별시", "중구", Some("태평로1가"))),
            ("대구광역시 중구 동덕로 130", ("대구광역시", "중구", None)),
            ("서울특별시", ("서울특별시", "", None)),
            ("", ("", "", None)),
        ];
        for (addr, expected) in cases {
            assert_eq!(admin_area_of(addr), expected, "{addr}");
        }
    }

    #[test]
    fn admin_area_of_reads_lot_number_addresses() {
        let cases = [
            ("서울특별시 강남구 논현동 200-1", ("서울특별시", "강남구", Some("논현동"))),
            ("서울특별시 강남구 논현동 산 12-3", ("서울특별시", "강남구", Some("논현동"))),
            ("경기도 수원시 팔달구 인계동 1111-1 2층", ("경기도", "수원시 팔달구", Some("인계동"))),
            ("서울특별시 중구 태평로1가 31", ("서울특별시", "중구", Some("태평로1가"))),
            ("세종특별자치시 보람동 100", ("세종특별자치시", "", Some("보람동"))),
            ("경상북도 고령군 대가야읍 연조리 123", ("경상북도", "고령군", Some("대가야읍"))),
        ];
        for (addr, expected) in cases {
            assert_eq!(admin_area_of(addr), expected, "{addr}");
        }
    }

    #[test]
    fn admin_area_of_ignores_trailing_junk_and_extra_spaces_as_2020_rows_had_them() {
        let cases = [
            ("경상북도 고령군 대가야읍 대가야로 608 ", ("경상북도", "고령군", Some("대가야읍"))),
            ("서울특별시 강남구 논현동 12-1,", ("서울특별시", "강남구", Some("논현동"))),
            ("서울특별시 강남구 논현로 12-1,", ("서울특별시", "강남구", None)),
            ("서울특별시 강남구 논현로 123 (논현동), ", ("서울특별시", "강남구", Some("논현동"))),
            ("서울특별시 강남구 논현로 123 (논현동).", ("서울특별시", "강남구", Some("논현동"))),
            (" 서울특별시  강남구\t논현로 123  (논현동)", ("서울특별시", "강남구", Some("논현동"))),
        ];
        for (addr, expected) in cases {
            assert_eq!(admin_area_of(addr), expected, "{addr:?}");
        }
    }

    #[test]
    fn short_province_names_read_as_their_official_names() {
        let (sido, sigungu, area) = admin_area_of("경북 고령군 대가야읍 대가야로 608 ");
        assert_eq!((canonical_sido(sido), sigungu, area), ("경상북도", "고령군", Some("대가야읍")));
        for (short, full) in [
            ("서울", "서울특별시"),
            ("서울시", "서울특별시"),
            ("경북", "경상북도"),
            ("제주", "제주특별자치도"),
        ] {
            assert_eq!(canonical_sido(short), full, "{short}");
        }
    }

    #[test]
    fn renamed_provinces_and_their_old_names_are_one_province() {
        for (new, old, short) in
            [("강원특별자치도", "강원도", "강원"), ("전북특별자치도", "전라북도", "전북")]
        {
            assert_eq!(canonical_sido(new), canonical_sido(old), "{new}");
            assert_eq!(canonical_sido(short), canonical_sido(old), "{short}");
            let by_new = AreaQuery::parse(&format!("{new} 춘천시")).unwrap();
            let by_old = AreaQuery::parse(&format!("{old} 춘천시")).unwrap();
            assert_eq!(by_new, by_old);
        }
    }

    fn query(sido: &str, sigungu: &str, area: Option<&str>) -> AreaQuery {
        AreaQuery { sido: sido.into(), sigungu: sigungu.into(), area: area.map(Into::into) }
    }

    #[test]
    fn queries_name_a_district_and_optionally_a_dong() {
        let cases = [
            ("서울특별시 강남구", query("서울특별시", "강남구", None)),
            ("  서울특별시   강남구  논현동 ", query("서울특별시", "강남구", Some("논현동"))),
            ("서울 강남구", query("서울특별시", "강남구", None)),
            ("서울시 강남구", query("서울특별시", "강남구", None)),
            ("경기도 수원시 팔달구 인계동", query("경기도", "수원시 팔달구", Some("인계동"))),
            ("경상북도 청도군 화양읍", query("경상북도", "청도군", Some("화양읍"))),
            ("세종특별자치시 보람동", query("세종특별자치시", "", Some("보람동"))),
            ("강원특별자치도 춘천시", query("강원도", "춘천시", None)),
        ];
        for (raw, expected) in cases {
            assert_eq!(AreaQuery::parse(raw), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn a_province_alone_or_a_street_is_refused() {
        assert_eq!(AreaQuery::parse("서울특별시"), Err(AreaQueryError::ProvinceOnly));
        assert_eq!(AreaQuery::parse("세종특별자치시"), Err(AreaQueryError::ProvinceOnly));
        assert_eq!(AreaQuery::parse(""), Err(AreaQueryError::Empty));
        assert_eq!(AreaQuery::parse("서울특별시 논현로 123"), Err(AreaQueryError::Shape));
        assert_eq!(AreaQuery::parse("서울특별시 강남구 논현로 123"), Err(AreaQueryError::Shape));
    }
}
