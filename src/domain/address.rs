//! Korean administrative areas: where an address lies (시/도, 시/군/구, 읍/면/동), and the area
//! an open-API caller asks for.

/// Splits a road address into (시/도, 시/군/구, 읍/면/동), borrowing from `addr`.
///
/// Reads the single-space-separated 2020 style this module writes: the 시/군/구 may be two
/// words (`수원시 팔달구`) and is empty in 세종특별자치시; the third part is the 읍 or 면 word
/// after it, or else the 동 (or `…가`) leading the closing parentheses.
pub fn admin_area_of(addr: &str) -> (&str, &str, Option<&str>) {
    let addr = addr.trim();
    let (sido, rest) = addr.split_once(' ').unwrap_or((addr, ""));
    let mut sigungu_end = 0;
    let mut tail = rest;
    for _ in 0..2 {
        let (word, after) = tail.split_once(' ').unwrap_or((tail, ""));
        if !is_named(word, &['시', '군', '구']) {
            break;
        }
        sigungu_end = rest.len() - tail.len() + word.len();
        tail = after;
    }
    let next_word = tail.split_once(' ').map_or(tail, |(word, _)| word);
    let area = if is_named(next_word, &['읍', '면']) { Some(next_word) } else { parenthesised_dong(addr) };
    (sido, &rest[..sigungu_end], area)
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
