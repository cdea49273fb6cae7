//! A deterministic, plausible national directory of mask-selling sites for demos and simulations.

#![expect(clippy::as_conversions, reason = "the generator mixes small counts, indexes and floats")]

use std::f64::consts::TAU;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[cfg(test)]
use crate::domain::address::{admin_area_of, is_named};
use crate::domain::site::SiteKind;

/// One generated selling site, shaped like a row of the 2020 open API's store list.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectorySite {
    /// Unique 8-digit public code, e.g. `11817488`.
    pub code: String,
    /// Display name, e.g. `역삼온누리약국`, `화양우체국`, `청도농협하나로마트`.
    pub name: String,
    /// Which of the three 2020 sellers this is.
    pub kind: SiteKind,
    /// Road address in the 2020 style: `서울특별시 강남구 논현로 123 (논현동)` in a 동,
    /// `경상북도 청도군 화양읍 청화로 45` in an 읍 or 면.
    pub addr: String,
    /// Latitude in degrees, 7 decimals.
    pub lat: f64,
    /// Longitude in degrees, 7 decimals.
    pub lng: f64,
}

/// The most sites [`generate`] can make: every code is a distinct 8-digit number.
pub const MAX_SITES: usize = 90_000_000;

/// Generates `count` sites across real Korean districts, the same for the same `(count, seed)`.
///
/// Sites follow the 2020 seller rules (pharmacies everywhere; Nonghyup Hanaro marts outside
/// Seoul and Gyeonggi; post offices in Daegu, Cheongdo and 읍/면 areas), the 2020 mix of
/// roughly 23,000 pharmacies : 1,400 post offices : 1,900 marts, and population: a district
/// gets pharmacies in proportion to its people. Each site lies within about 2 km of its
/// district's centre, clustered around its 동, 읍 or 면.
///
/// # Panics
///
/// If `count` exceeds [`MAX_SITES`].
pub fn generate(count: usize, seed: u64) -> Vec<DirectorySite> {
    assert!(count <= MAX_SITES, "at most {MAX_SITES} sites have distinct 8-digit codes");
    let mut rng = StdRng::seed_from_u64(seed);
    let codes = CodeSequence::new(seed);
    let placements = Placements::new();
    let mut kinds = KindDeck::new(count);
    (0..count as u64)
        .map(|index| {
            let kind = kinds.draw(&mut rng);
            let slot = placements.for_kind(kind).pick(&mut rng);
            site(codes.code(index), kind, slot, &mut rng)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Generation

/// The 2020 national mix, per 26,300 sites.
const MIX_PHARMACIES: u64 = 23_000;
const MIX_POST_OFFICES: u64 = 1_400;
const MIX_NONGHYUP: u64 = 1_900;

/// How far a 동/읍/면's own centre lies from its district's centre, at most.
const AREA_SPREAD_KM: f64 = 1.2;
/// How far a site lies from its 동/읍/면's centre, at most (denser towards the centre).
const SITE_SPREAD_KM: f64 = 0.8;

fn site(code: u64, kind: SiteKind, slot: &Slot, rng: &mut StdRng) -> DirectorySite {
    let road = pick(rng, slot.district.roads);
    let number = BuildingNumber::random(rng);
    let position = slot.centre.scatter(SITE_SPREAD_KM, rng);
    DirectorySite {
        code: decimal(code),
        name: site_name(kind, slot, road, rng),
        kind,
        addr: address(slot, road, number),
        lat: round_to_7_decimals(position.lat),
        lng: round_to_7_decimals(position.lng),
    }
}

/// Deals the exact national mix for `count` sites in random order, without storing it.
struct KindDeck {
    left: u64,
    post_offices: u64,
    nonghyup: u64,
}

impl KindDeck {
    fn new(count: usize) -> Self {
        let count = count as u64;
        let total = MIX_PHARMACIES + MIX_POST_OFFICES + MIX_NONGHYUP;
        let share = |part: u64| (count * part + total / 2) / total;
        Self { left: count, post_offices: share(MIX_POST_OFFICES), nonghyup: share(MIX_NONGHYUP) }
    }

    /// Draws one card; called exactly once per site, so the deck is never empty.
    fn draw(&mut self, rng: &mut StdRng) -> SiteKind {
        let card = rng.random_range(0..self.left);
        self.left -= 1;
        if card < self.post_offices {
            self.post_offices -= 1;
            SiteKind::PostOffice
        } else if card < self.post_offices + self.nonghyup {
            self.nonghyup -= 1;
            SiteKind::Nonghyup
        } else {
            SiteKind::Pharmacy
        }
    }
}

/// A 동, 읍 or 면 of a district, with the point its sites cluster around.
struct Slot {
    district: &'static District,
    area: &'static str,
    centre: Point,
}

impl Slot {
    fn is_rural(&self) -> bool {
        is_rural(self.area)
    }
}

/// Weighted choice among the slots a kind of seller may occupy.
struct Picker {
    /// Running total of weights, ending at the total.
    cumulative: Vec<u64>,
    slots: Vec<Slot>,
}

impl Picker {
    /// Every area of every district, weighted by `weight` (0 excludes it).
    fn new(weight: impl Fn(&District, &'static str) -> u64) -> Self {
        let mut cumulative = Vec::new();
        let mut slots = Vec::new();
        let mut total = 0;
        for district in DISTRICTS {
            for (index, &area) in district.areas.iter().enumerate() {
                let w = weight(district, area);
                if w > 0 {
                    total += w;
                    cumulative.push(total);
                    let centre = district.area_centre(index);
                    slots.push(Slot { district, area, centre });
                }
            }
        }
        Self { cumulative, slots }
    }

    /// The tables give every kind somewhere to sell (a test checks), so this never sees
    /// an empty picker.
    fn pick(&self, rng: &mut StdRng) -> &Slot {
        let total = self.cumulative.last().copied().unwrap_or(0);
        let ticket = rng.random_range(0..total);
        &self.slots[self.cumulative.partition_point(|&c| c <= ticket)]
    }
}

/// Where each kind of seller may be, and how likely each place is.
struct Placements {
    pharmacies: Picker,
    post_offices: Picker,
    nonghyup: Picker,
}

impl Placements {
    fn new() -> Self {
        Self {
            // Pharmacies follow people.
            pharmacies: Picker::new(|d, _| u64::from(d.population) * 1_000 / d.areas.len() as u64),
            // One post office per eligible 읍/면/동, roughly as in 2020.
            post_offices: Picker::new(
                |d, area| {
                    if d.special_care_zone || is_rural(area) {
                        1_000
                    } else {
                        0
                    }
                },
            ),
            // Hanaro marts are a rural institution but exist in cities too.
            nonghyup: Picker::new(|d, area| match (d.province.nonghyup_sells, is_rural(area)) {
                (false, _) => 0,
                (true, true) => 2_000,
                (true, false) => 1_000,
            }),
        }
    }

    fn for_kind(&self, kind: SiteKind) -> &Picker {
        match kind {
            SiteKind::Pharmacy => &self.pharmacies,
            SiteKind::PostOffice => &self.post_offices,
            SiteKind::Nonghyup => &self.nonghyup,
        }
    }
}

/// Unique 8-digit codes in a seed-dependent scattered order: a 4-round Feistel permutation
/// of 28-bit numbers, cycle-walked into `10_000_000..100_000_000`.
struct CodeSequence {
    keys: [u64; 4],
}

impl CodeSequence {
    const FIRST: u64 = 10_000_000;
    const SPACE: u64 = 90_000_000;
    const HALF_BITS: u32 = 14;
    const HALF_MASK: u64 = (1 << Self::HALF_BITS) - 1;

    fn new(seed: u64) -> Self {
        let mut state = seed;
        Self { keys: std::array::from_fn(|_| splitmix64(&mut state)) }
    }

    /// The code of the `index`-th site; distinct for distinct indexes below [`MAX_SITES`].
    fn code(&self, index: u64) -> u64 {
        let mut x = index;
        // Walking the permutation's cycle from an in-range start always returns in range.
        loop {
            x = self.permute(x);
            if x < Self::SPACE {
                return Self::FIRST + x;
            }
        }
    }

    fn permute(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> Self::HALF_BITS, x & Self::HALF_MASK);
        for key in self.keys {
            let mut mixed = right ^ key;
            (left, right) = (right, left ^ (splitmix64(&mut mixed) & Self::HALF_MASK));
        }
        (left << Self::HALF_BITS) | right
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A building number on a road, `123` or `123-4`.
#[derive(Clone, Copy)]
struct BuildingNumber {
    main: u64,
    sub: Option<u64>,
}

impl BuildingNumber {
    fn random(rng: &mut StdRng) -> Self {
        // Most buildings are near the start of a road; a few carry a sub-number.
        let main = if rng.random_bool(0.7) { rng.random_range(1..=120) } else { rng.random_range(121..=800) };
        let sub = rng.random_bool(0.15).then(|| rng.random_range(1..=40));
        Self { main, sub }
    }

    fn push_to(self, out: &mut String) {
        push_decimal(out, self.main);
        if let Some(sub) = self.sub {
            out.push('-');
            push_decimal(out, sub);
        }
    }
}

/// `서울특별시 강남구 논현로 123 (논현동)` or `경상북도 청도군 청도읍 청화로 45`.
fn address(slot: &Slot, road: &str, number: BuildingNumber) -> String {
    let district = slot.district;
    let words = [district.province.name, district.name, road, slot.area];
    let mut addr = String::with_capacity(words.iter().map(|w| w.len() + 1).sum::<usize>() + 10);
    push_word(&mut addr, district.province.name);
    push_word(&mut addr, district.name);
    if slot.is_rural() {
        push_word(&mut addr, slot.area);
    }
    push_word(&mut addr, road);
    addr.push(' ');
    number.push_to(&mut addr);
    if !slot.is_rural() {
        addr.push_str(" (");
        addr.push_str(slot.area);
        addr.push(')');
    }
    addr
}

fn site_name(kind: SiteKind, slot: &Slot, road: &'static str, rng: &mut StdRng) -> String {
    let district = slot.district;
    let area = area_stem(slot.area);
    match kind {
        SiteKind::Pharmacy => {
            const PHARMACY: &str = "약국";
            match rng.random_range(0..100) {
                0..30 => concat(&[pick(rng, STANDALONE_PHARMACY_NAMES), PHARMACY]),
                30..55 => concat(&[area, PHARMACY]),
                55..70 => concat(&[area, pick(rng, PHARMACY_AFFIXES), PHARMACY]),
                70..80 => concat(&[district.stem(), pick(rng, PHARMACY_AFFIXES), PHARMACY]),
                80..90 => concat(&[district.province.short, pick(rng, PHARMACY_AFFIXES), PHARMACY]),
                _ => concat(&[road_stem(road).unwrap_or(area), PHARMACY]),
            }
        }
        // `청도우체국`, `화양우체국`; in a city 동, `대구범어동우체국`.
        SiteKind::PostOffice if slot.is_rural() => concat(&[area, "우체국"]),
        SiteKind::PostOffice => concat(&[district.province.short, slot.area, "우체국"]),
        SiteKind::Nonghyup => {
            let place = if slot.is_rural() || rng.random_bool(0.5) { area } else { district.stem() };
            concat(&[place, "농협하나로마트"])
        }
    }
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn is_rural(area: &str) -> bool {
    area.ends_with(['읍', '면'])
}

/// `역삼동` → `역삼`, `화양읍` → `화양`; a one-syllable stem keeps its suffix (`우동`).
fn area_stem(area: &'static str) -> &'static str {
    match area.strip_suffix(['동', '읍', '면']) {
        Some(stem) if stem.chars().nth(1).is_some() => stem,
        _ => area,
    }
}

/// `테헤란로` → `테헤란`, `신봉2로` → `신봉`; `None` when too little is left (`종로`).
fn road_stem(road: &'static str) -> Option<&'static str> {
    let stem = road
        .strip_suffix("대로")
        .or_else(|| road.strip_suffix(['로', '길']))?
        .trim_end_matches(|c: char| c.is_ascii_digit());
    stem.chars().nth(1).is_some().then_some(stem)
}

fn push_word(out: &mut String, word: &str) {
    if word.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// Joins `parts` with one allocation of the exact size.
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

fn decimal(n: u64) -> String {
    let mut out = String::with_capacity(8);
    push_decimal(&mut out, n);
    out
}

fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

fn round_to_7_decimals(degrees: f64) -> f64 {
    (degrees * 1e7).round() / 1e7
}

/// A WGS84 position in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    lat: f64,
    lng: f64,
}

impl Point {
    const KM_PER_DEGREE_LAT: f64 = 111.0;

    /// The point `north_km` and `east_km` away (flat-earth: fine at a few km).
    fn offset_km(self, north_km: f64, east_km: f64) -> Self {
        let km_per_degree_lng = Self::KM_PER_DEGREE_LAT * self.lat.to_radians().cos();
        Self {
            lat: self.lat + north_km / Self::KM_PER_DEGREE_LAT,
            lng: self.lng + east_km / km_per_degree_lng,
        }
    }

    /// A random point within `radius_km`, denser towards the centre, as shops are.
    fn scatter(self, radius_km: f64, rng: &mut StdRng) -> Self {
        let bearing = rng.random::<f64>() * TAU;
        let distance = radius_km * rng.random::<f64>();
        self.offset_km(distance * bearing.cos(), distance * bearing.sin())
    }
}

// ---------------------------------------------------------------------------------------------
// Geography

/// A 시/도 under the long name the 2020 API printed.
struct Province {
    name: &'static str,
    /// Prefix used in shop names: `서울`, `경북`.
    short: &'static str,
    /// Hanaro marts sold masks everywhere but Seoul and Gyeonggi.
    nonghyup_sells: bool,
}

/// A 시/군/구 with real 읍/면/동 and road names.
struct District {
    province: &'static Province,
    /// As written in addresses: `강남구`, `수원시 팔달구`; empty in Sejong, which has none.
    name: &'static str,
    /// Approximate district office.
    centre: Point,
    /// Approximate 2020 residents, in thousands.
    population: u32,
    /// Daegu and Cheongdo, the 2020 special care zone, where every post office sold masks.
    special_care_zone: bool,
    areas: &'static [&'static str],
    roads: &'static [&'static str],
}

impl District {
    /// Marks a district of the 2020 special care zone.
    const fn in_special_care_zone(self) -> Self {
        Self { special_care_zone: true, ..self }
    }

    /// The area's own centre: areas sit on a sunflower spiral around the district centre.
    fn area_centre(&self, index: usize) -> Point {
        const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;
        let fraction = (index as f64 + 0.5) / self.areas.len() as f64;
        let distance = AREA_SPREAD_KM * fraction.sqrt();
        let bearing = index as f64 * GOLDEN_ANGLE;
        self.centre.offset_km(distance * bearing.cos(), distance * bearing.sin())
    }

    /// Used in shop names: `강남`, `팔달`, `청도`; the province for `중구` and Sejong.
    fn stem(&self) -> &'static str {
        let last = self.name.rsplit(' ').next().unwrap_or(self.name);
        match last.strip_suffix(['시', '군', '구']) {
            Some(stem) if stem.chars().nth(1).is_some() => stem,
            _ => self.province.short,
        }
    }
}

const fn province(name: &'static str, short: &'static str, nonghyup_sells: bool) -> Province {
    Province { name, short, nonghyup_sells }
}

const SEOUL: Province = province("서울특별시", "서울", false);
const BUSAN: Province = province("부산광역시", "부산", true);
const DAEGU: Province = province("대구광역시", "대구", true);
const INCHEON: Province = province("인천광역시", "인천", true);
const GWANGJU: Province = province("광주광역시", "광주", true);
const DAEJEON: Province = province("대전광역시", "대전", true);
const ULSAN: Province = province("울산광역시", "울산", true);
const SEJONG: Province = province("세종특별자치시", "세종", true);
const GYEONGGI: Province = province("경기도", "경기", false);
const GANGWON: Province = province("강원도", "강원", true);
const CHUNGBUK: Province = province("충청북도", "충북", true);
const CHUNGNAM: Province = province("충청남도", "충남", true);
const JEONBUK: Province = province("전라북도", "전북", true);
const JEONNAM: Province = province("전라남도", "전남", true);
const GYEONGBUK: Province = province("경상북도", "경북", true);
const GYEONGNAM: Province = province("경상남도", "경남", true);
const JEJU: Province = province("제주특별자치도", "제주", true);

const fn district(
    province: &'static Province,
    name: &'static str,
    (lat, lng): (f64, f64),
    population: u32,
    areas: &'static [&'static str],
    roads: &'static [&'static str],
) -> District {
    District {
        province,
        name,
        centre: Point { lat, lng },
        population,
        special_care_zone: false,
        areas,
        roads,
    }
}

#[rustfmt::skip]
const DISTRICTS: &[District] = &[
    district(&SEOUL, "강남구", (37.5172, 127.0473), 540,
        &["논현동", "역삼동", "삼성동", "대치동", "청담동", "압구정동", "신사동", "도곡동", "개포동"],
        &["테헤란로", "논현로", "강남대로", "도산대로", "봉은사로", "선릉로", "언주로", "학동로", "삼성로"]),
    district(&SEOUL, "서초구", (37.4837, 127.0324), 430,
        &["서초동", "반포동", "방배동", "양재동", "잠원동"],
        &["서초대로", "반포대로", "방배로", "사평대로", "서운로", "강남대로"]),
    district(&SEOUL, "송파구", (37.5145, 127.1059), 670,
        &["잠실동", "가락동", "문정동", "방이동", "석촌동", "송파동", "오금동"],
        &["올림픽로", "송파대로", "백제고분로", "가락로", "오금로", "양재대로"]),
    district(&SEOUL, "종로구", (37.5735, 126.9790), 150,
        &["인사동", "관철동", "혜화동", "창신동", "숭인동", "평창동", "부암동", "삼청동"],
        &["종로", "율곡로", "대학로", "창경궁로", "세검정로", "자하문로"]),
    district(&SEOUL, "중구", (37.5641, 126.9979), 130,
        &["신당동", "소공동", "황학동", "중림동", "무교동", "정동"],
        &["퇴계로", "을지로", "세종대로", "다산로", "남대문로"]),
    district(&SEOUL, "마포구", (37.5663, 126.9019), 375,
        &["서교동", "합정동", "망원동", "연남동", "공덕동", "아현동", "상암동"],
        &["양화로", "월드컵로", "마포대로", "독막로", "와우산로", "성미산로"]),
    district(&SEOUL, "관악구", (37.4784, 126.9516), 500,
        &["봉천동", "신림동", "남현동"],
        &["관악로", "남부순환로", "신림로", "봉천로", "은천로"]),
    district(&SEOUL, "노원구", (37.6542, 127.0568), 530,
        &["상계동", "중계동", "하계동", "공릉동", "월계동"],
        &["동일로", "노해로", "한글비석로", "공릉로", "상계로"]),
    district(&SEOUL, "강서구", (37.5509, 126.8495), 585,
        &["화곡동", "등촌동", "가양동", "염창동", "방화동", "마곡동", "발산동"],
        &["공항대로", "화곡로", "강서로", "양천로", "등촌로"]),

    district(&BUSAN, "해운대구", (35.1631, 129.1636), 405,
        &["우동", "중동", "좌동", "송정동", "재송동", "반여동", "반송동"],
        &["해운대로", "좌동로", "달맞이길", "센텀중앙로", "구남로", "해운대해변로"]),
    district(&BUSAN, "부산진구", (35.1627, 129.0533), 365,
        &["부전동", "전포동", "범천동", "가야동", "개금동", "양정동", "연지동"],
        &["중앙대로", "서면로", "가야대로", "전포대로", "새싹로", "동평로"]),
    district(&BUSAN, "동래구", (35.2048, 129.0784), 270,
        &["온천동", "사직동", "명륜동", "복천동", "수안동", "명장동", "안락동"],
        &["충렬대로", "중앙대로", "온천장로", "명륜로", "사직로", "금강공원로"]),
    district(&BUSAN, "사하구", (35.1044, 128.9747), 315,
        &["하단동", "괴정동", "당리동", "다대동", "신평동", "장림동", "감천동"],
        &["낙동대로", "다대로", "하신번영로", "승학로", "사하로"]),
    district(&BUSAN, "기장군", (35.2446, 129.2219), 170,
        &["기장읍", "정관읍", "장안읍", "일광면", "철마면"],
        &["기장대로", "차성로", "정관중앙로", "일광로", "철마로"]),

    district(&DAEGU, "중구", (35.8693, 128.6062), 77,
        &["대봉동", "남산동", "대신동", "동산동", "봉산동", "덕산동", "달성동"],
        &["동덕로", "달구벌대로", "국채보상로", "중앙대로", "동성로", "명덕로"]).in_special_care_zone(),
    district(&DAEGU, "수성구", (35.8582, 128.6306), 425,
        &["범어동", "만촌동", "황금동", "지산동", "범물동", "두산동", "신매동", "매호동"],
        &["달구벌대로", "동대구로", "수성로", "범어로", "들안로", "무학로"]).in_special_care_zone(),
    district(&DAEGU, "달서구", (35.8298, 128.5327), 560,
        &["월성동", "상인동", "두류동", "감삼동", "이곡동", "용산동", "진천동", "본리동"],
        &["월배로", "달구벌대로", "성서로", "와룡로", "상화로", "진천로"]).in_special_care_zone(),
    district(&DAEGU, "북구", (35.8858, 128.5828), 435,
        &["산격동", "복현동", "침산동", "대현동", "태전동", "구암동", "관음동"],
        &["침산로", "칠성로", "대현로", "구암로", "칠곡중앙대로", "연암로"]).in_special_care_zone(),
    district(&DAEGU, "달성군", (35.7746, 128.4316), 260,
        &["화원읍", "논공읍", "다사읍", "유가읍", "옥포읍", "현풍읍", "가창면", "하빈면"],
        &["비슬로", "논공로", "달구벌대로", "테크노중앙대로", "화원로", "다사로"]).in_special_care_zone(),

    district(&INCHEON, "남동구", (37.4476, 126.7314), 530,
        &["구월동", "간석동", "만수동", "논현동", "고잔동", "서창동"],
        &["인주대로", "예술로", "남동대로", "구월로", "만수로", "논고개로"]),
    district(&INCHEON, "연수구", (37.4106, 126.6782), 370,
        &["송도동", "연수동", "동춘동", "옥련동", "청학동", "선학동"],
        &["컨벤시아대로", "송도과학로", "원인재로", "함박뫼로", "청능대로", "독배로"]),
    district(&INCHEON, "부평구", (37.5070, 126.7218), 500,
        &["부평동", "십정동", "산곡동", "청천동", "삼산동", "갈산동", "부개동"],
        &["부평대로", "경원대로", "마장로", "부흥로", "길주로", "굴포로"]),
    district(&INCHEON, "강화군", (37.7468, 126.4877), 69,
        &["강화읍", "선원면", "불은면", "길상면", "화도면", "양도면", "내가면", "교동면"],
        &["강화대로", "중앙로", "고비고개로", "해안남로", "마니산로"]),

    district(&GWANGJU, "동구", (35.1461, 126.9232), 103,
        &["대인동", "산수동", "지산동", "계림동", "서석동", "동명동", "학동"],
        &["금남로", "충장로", "제봉로", "필문대로", "동명로", "남문로"]),
    district(&GWANGJU, "서구", (35.1520, 126.8903), 295,
        &["치평동", "쌍촌동", "화정동", "농성동", "금호동", "풍암동"],
        &["상무대로", "상무중앙로", "내방로", "화운로", "금화로", "풍암순환로"]),
    district(&GWANGJU, "북구", (35.1745, 126.9118), 430,
        &["용봉동", "운암동", "문흥동", "일곡동", "오치동", "각화동", "중흥동"],
        &["서암대로", "우치로", "하서로", "무등로", "설죽로", "북문대로"]),
    district(&GWANGJU, "광산구", (35.1396, 126.7936), 405,
        &["수완동", "신가동", "월곡동", "운남동", "쌍암동", "송정동", "우산동"],
        &["임방울대로", "무진대로", "하남대로", "사암로", "송정로", "첨단중앙로"]),

    district(&DAEJEON, "서구", (36.3553, 127.3836), 480,
        &["둔산동", "탄방동", "월평동", "갈마동", "만년동", "도마동", "관저동"],
        &["대덕대로", "둔산로", "한밭대로", "계룡로", "도산로", "갈마로"]),
    district(&DAEJEON, "유성구", (36.3624, 127.3563), 350,
        &["봉명동", "궁동", "어은동", "노은동", "관평동", "도룡동", "지족동"],
        &["대학로", "유성대로", "온천로", "노은동로", "테크노중앙로", "엑스포로"]),
    district(&DAEJEON, "중구", (36.3256, 127.4213), 240,
        &["은행동", "선화동", "대흥동", "문화동", "태평동", "유천동"],
        &["중앙로", "계백로", "대종로", "보문로", "중교로"]),

    district(&ULSAN, "남구", (35.5438, 129.3300), 325,
        &["삼산동", "달동", "신정동", "무거동", "옥동", "야음동"],
        &["삼산로", "번영로", "돋질로", "문수로", "대학로", "봉월로"]),
    district(&ULSAN, "울주군", (35.5224, 129.2424), 222,
        &["언양읍", "온양읍", "범서읍", "온산읍", "삼남면", "두동면", "상북면", "웅촌면"],
        &["언양로", "헌양길", "반구대로", "웅촌로", "온산로", "범서로"]),

    district(&SEJONG, "", (36.4800, 127.2890), 350,
        &["조치원읍", "부강면", "금남면", "연기면", "한솔동", "도담동", "아름동", "종촌동", "보람동", "새롬동"],
        &["한누리대로", "갈매로", "달빛로", "노을3로", "세종로", "다솜로"]),

    district(&GYEONGGI, "수원시 팔달구", (37.2826, 127.0199), 175,
        &["인계동", "우만동", "화서동", "고등동", "매교동", "지동"],
        &["효원로", "권광로", "중부대로", "경수대로", "매산로", "정조로"]),
    district(&GYEONGGI, "수원시 영통구", (37.2596, 127.0465), 365,
        &["영통동", "매탄동", "원천동", "이의동", "망포동", "하동"],
        &["봉영로", "청명로", "광교중앙로", "영통로", "덕영대로", "매탄로"]),
    district(&GYEONGGI, "성남시 분당구", (37.3825, 127.1175), 490,
        &["정자동", "서현동", "수내동", "야탑동", "이매동", "금곡동", "구미동", "삼평동", "백현동"],
        &["판교역로", "분당로", "성남대로", "황새울로", "정자일로", "야탑로", "불정로"]),
    district(&GYEONGGI, "고양시 일산동구", (37.6583, 126.7841), 295,
        &["장항동", "백석동", "마두동", "풍동", "식사동", "중산동", "사리현동"],
        &["중앙로", "일산로", "정발산로", "강석로", "장백로", "호수로"]),
    district(&GYEONGGI, "용인시 수지구", (37.3220, 127.0975), 370,
        &["풍덕천동", "죽전동", "상현동", "성복동", "신봉동", "동천동"],
        &["포은대로", "수지로", "문정로", "신봉2로", "죽전로", "성복1로"]),
    district(&GYEONGGI, "화성시", (37.1995, 126.8313), 830,
        &["봉담읍", "향남읍", "남양읍", "우정읍", "반송동", "석우동", "청계동", "영천동", "오산동"],
        &["동탄대로", "향남로", "남양로", "효행로", "동탄순환대로", "시청로"]),
    district(&GYEONGGI, "부천시", (37.5034, 126.7660), 830,
        &["중동", "상동", "심곡동", "원미동", "역곡동", "송내동", "괴안동", "소사본동"],
        &["길주로", "부천로", "송내대로", "소향로", "경인로", "원미로"]),
    district(&GYEONGGI, "양평군", (37.4913, 127.4874), 117,
        &["양평읍", "강상면", "강하면", "양서면", "옥천면", "서종면", "용문면", "지평면"],
        &["양평로", "중앙로", "경강로", "용문로", "양근로", "시민로"]),

    district(&GANGWON, "춘천시", (37.8813, 127.7298), 282,
        &["효자동", "석사동", "퇴계동", "온의동", "후평동", "근화동", "신북읍"],
        &["중앙로", "공지로", "후석로", "퇴계로", "춘천로", "영서로"]),
    district(&GANGWON, "강릉시", (37.7519, 128.8761), 213,
        &["교동", "포남동", "옥천동", "홍제동", "입암동", "주문진읍", "성산면"],
        &["경강로", "율곡로", "하슬라로", "강릉대로", "솔올로", "주문로"]),
    district(&GANGWON, "원주시", (37.3422, 127.9202), 350,
        &["단계동", "무실동", "명륜동", "학성동", "일산동", "문막읍", "호저면"],
        &["원일로", "시청로", "단구로", "치악로", "서원대로", "북원로"]),
    district(&GANGWON, "평창군", (37.3703, 128.3906), 43,
        &["평창읍", "대화면", "봉평면", "용평면", "진부면", "대관령면"],
        &["평창중앙로", "노성로", "진부중앙로", "대관령로", "경강로"]),

    district(&CHUNGBUK, "청주시 상당구", (36.6424, 127.4890), 195,
        &["문화동", "서문동", "탑동", "금천동", "용정동", "용암동", "미원면", "문의면"],
        &["상당로", "충청대로", "대성로", "단재로", "용암로", "영운로"]),
    district(&CHUNGBUK, "청주시 흥덕구", (36.6330, 127.4300), 260,
        &["복대동", "가경동", "봉명동", "강서동", "오송읍", "강내면"],
        &["직지대로", "가로수로", "월명로", "풍산로", "흥덕로", "오송생명로"]),
    district(&CHUNGBUK, "충주시", (36.9910, 127.9259), 210,
        &["성내동", "문화동", "연수동", "칠금동", "교현동", "주덕읍", "앙성면"],
        &["충원대로", "중원대로", "국원대로", "예성로", "으뜸로"]),
    district(&CHUNGBUK, "괴산군", (36.8153, 127.7871), 38,
        &["괴산읍", "감물면", "장연면", "연풍면", "칠성면", "문광면", "청천면", "불정면"],
        &["임꺽정로", "괴산로", "읍내로", "문광로", "청천로"]),

    district(&CHUNGNAM, "천안시 서북구", (36.8151, 127.1139), 400,
        &["성정동", "쌍용동", "백석동", "불당동", "두정동", "성환읍", "직산읍"],
        &["번영로", "불당대로", "쌍용대로", "천안대로", "두정로", "성거길"]),
    district(&CHUNGNAM, "공주시", (36.4465, 127.1192), 105,
        &["반죽동", "금학동", "신관동", "옥룡동", "유구읍", "계룡면", "사곡면"],
        &["봉황로", "웅진로", "무령로", "금벽로", "백제문화로"]),
    district(&CHUNGNAM, "홍성군", (36.6011, 126.6608), 100,
        &["홍성읍", "광천읍", "홍북읍", "금마면", "홍동면", "장곡면", "은하면", "결성면"],
        &["조양로", "홍덕서로", "의사로", "내포로", "광천로"]),
    district(&CHUNGNAM, "아산시", (36.7897, 127.0020), 313,
        &["온천동", "실옥동", "권곡동", "배방읍", "탕정면", "음봉면", "염치읍"],
        &["번영로", "시민로", "온천대로", "배방로", "충무로", "탕정면로"]),

    district(&JEONBUK, "전주시 완산구", (35.8242, 127.1480), 350,
        &["서신동", "효자동", "중화산동", "평화동", "삼천동", "완산동", "교동"],
        &["팔달로", "기린대로", "홍산로", "효자로", "서신로", "전주천동로"]),
    district(&JEONBUK, "전주시 덕진구", (35.8466, 127.1293), 300,
        &["덕진동", "금암동", "인후동", "송천동", "우아동", "진북동", "호성동"],
        &["백제대로", "기린대로", "동부대로", "송천중앙로", "아중로", "견훤로"]),
    district(&JEONBUK, "군산시", (35.9675, 126.7370), 270,
        &["나운동", "수송동", "조촌동", "미룡동", "소룡동", "옥구읍", "대야면"],
        &["월명로", "대학로", "조촌로", "수송로", "하나운로", "구암로"]),
    district(&JEONBUK, "완주군", (35.9047, 127.1624), 92,
        &["삼례읍", "봉동읍", "용진읍", "고산면", "이서면", "구이면", "소양면"],
        &["삼봉로", "삼례로", "봉동로", "고산로", "모악로", "완주로"]),

    district(&JEONNAM, "목포시", (34.8118, 126.3922), 230,
        &["상동", "옥암동", "용해동", "석현동", "산정동", "연산동", "죽교동"],
        &["영산로", "백년대로", "용해로", "삼향천로", "양을산로", "하당로"]),
    district(&JEONNAM, "여수시", (34.7604, 127.6622), 280,
        &["학동", "여서동", "문수동", "미평동", "소호동", "돌산읍", "율촌면", "소라면"],
        &["시청로", "여서로", "좌수영로", "여수시민로", "소호로", "돌산로"]),
    district(&JEONNAM, "순천시", (34.9506, 127.4872), 280,
        &["조례동", "연향동", "왕지동", "덕연동", "풍덕동", "해룡면", "별량면", "주암면"],
        &["중앙로", "팔마로", "왕지로", "장명로", "연향번영길", "해룡로"]),
    district(&JEONNAM, "보성군", (34.7713, 127.0802), 41,
        &["보성읍", "벌교읍", "득량면", "회천면", "조성면", "율어면", "복내면"],
        &["송재로", "녹차로", "벌교로", "득량로", "보성로"]),
    district(&JEONNAM, "해남군", (34.5737, 126.5990), 70,
        &["해남읍", "삼산면", "화산면", "현산면", "송지면", "황산면", "산이면", "옥천면"],
        &["중앙로", "군청길", "고산로", "땅끝해안로", "해남로"]),

    district(&GYEONGBUK, "청도군", (35.6474, 128.7349), 43,
        &["청도읍", "화양읍", "각남면", "풍각면", "각북면", "이서면", "운문면", "금천면", "매전면"],
        &["청화로", "청려로", "헐티로", "새마을로", "남성현로", "운문로"]).in_special_care_zone(),
    district(&GYEONGBUK, "포항시 북구", (36.0420, 129.3650), 262,
        &["죽도동", "양덕동", "장성동", "두호동", "용흥동", "흥해읍", "청하면", "송라면"],
        &["중앙로", "새천년대로", "삼호로", "흥해로", "죽도로", "용흥로"]),
    district(&GYEONGBUK, "경주시", (35.8562, 129.2247), 254,
        &["황성동", "용강동", "동천동", "성건동", "황오동", "안강읍", "건천읍", "외동읍", "양북면"],
        &["태종로", "원화로", "화랑로", "알천북로", "동대로", "금성로"]),
    district(&GYEONGBUK, "안동시", (36.5684, 128.7294), 159,
        &["옥동", "송현동", "안기동", "태화동", "용상동", "풍산읍", "와룡면", "도산면"],
        &["경동로", "퇴계로", "서동문로", "강남로", "풍산로", "앙실로"]),
    district(&GYEONGBUK, "경산시", (35.8251, 128.7413), 265,
        &["중방동", "옥산동", "사동", "정평동", "하양읍", "진량읍", "자인면", "와촌면", "남산면"],
        &["경산로", "대학로", "삼성현로", "원효로", "하양로", "진량로"]),

    district(&GYEONGNAM, "창원시 성산구", (35.1983, 128.7025), 250,
        &["상남동", "중앙동", "용호동", "사파동", "반지동", "가음동", "성주동"],
        &["원이대로", "중앙대로", "창원대로", "상남로", "용지로", "마디미로"]),
    district(&GYEONGNAM, "김해시", (35.2285, 128.8893), 540,
        &["내동", "외동", "삼계동", "율하동", "대청동", "부원동", "진영읍", "한림면", "생림면"],
        &["김해대로", "가야로", "금관대로", "분성로", "율하로", "진영로"]),
    district(&GYEONGNAM, "진주시", (35.1799, 128.1076), 350,
        &["충무공동", "평거동", "상대동", "하대동", "가좌동", "문산읍", "금산면"],
        &["진주대로", "남강로", "동진로", "비봉로", "진양호로", "에나로"]),
    district(&GYEONGNAM, "거창군", (35.6867, 127.9093), 62,
        &["거창읍", "가조면", "위천면", "북상면", "주상면", "마리면", "남상면"],
        &["거창대로", "중앙로", "강남로", "수남로", "거열로"]),
    district(&GYEONGNAM, "하동군", (35.0674, 127.7513), 45,
        &["하동읍", "화개면", "악양면", "적량면", "옥종면", "진교면"],
        &["경서대로", "화개로", "섬진강대로", "군청로", "하동로"]),

    district(&JEJU, "제주시", (33.4996, 126.5312), 490,
        &["연동", "노형동", "이도동", "일도동", "삼양동", "봉개동", "애월읍", "한림읍", "조천읍", "구좌읍"],
        &["중앙로", "연북로", "노연로", "연삼로", "서광로", "애조로", "일주동로", "일주서로"]),
    district(&JEJU, "서귀포시", (33.2541, 126.5600), 182,
        &["서귀동", "동홍동", "서홍동", "중문동", "대정읍", "남원읍", "성산읍", "안덕면", "표선면"],
        &["중앙로", "일주동로", "일주서로", "중산간동로", "태평로", "중정로"]),
];

/// Pharmacy names that stand alone before `약국`.
#[rustfmt::skip]
const STANDALONE_PHARMACY_NAMES: &[&str] = &[
    "온누리", "행복한", "건강한", "우리", "새봄", "사랑", "미래", "중앙", "참", "365",
    "한빛", "푸른", "늘푸른", "보람", "제일", "으뜸", "하나", "대성", "현대", "성심",
    "믿음", "소망", "튼튼", "봄날", "메디팜", "옵티마", "휴베이스", "그린", "희망", "약손",
    "온정", "해맑은", "늘봄", "한사랑", "열린", "정다운", "새한", "동산",
];

/// Words that follow a place name before `약국`: `역삼온누리약국`, `강남메디컬약국`.
#[rustfmt::skip]
const PHARMACY_AFFIXES: &[&str] = &[
    "중앙", "제일", "온누리", "메디팜", "옵티마", "프라자", "메디칼", "메디컬", "종합", "역전",
    "시장", "한사랑", "으뜸", "365", "대학", "센트럴", "우리", "그린", "현대", "성모",
];

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn district_of(site: &DirectorySite) -> &'static District {
        let (sido, sigungu, _) = admin_area_of(&site.addr);
        DISTRICTS
            .iter()
            .find(|d| d.province.name == sido && d.name == sigungu)
            .unwrap_or_else(|| panic!("no district for {:?}", site.addr))
    }

    fn km_between(a: Point, b: Point) -> f64 {
        let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlng = (b.lng - a.lng).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
        2.0 * 6_371.0 * h.sqrt().asin()
    }

    fn position(site: &DirectorySite) -> Point {
        Point { lat: site.lat, lng: site.lng }
    }

    fn has_eup_or_myeon_word(addr: &str) -> bool {
        addr.split(' ').any(|word| is_named(word, &['읍', '면']))
    }

    #[test]
    fn the_same_count_and_seed_give_the_same_directory() {
        assert_eq!(generate(2_000, 7), generate(2_000, 7));
        assert_ne!(generate(2_000, 7), generate(2_000, 8));
        assert!(generate(0, 7).is_empty());
    }

    #[test]
    fn codes_are_unique_eight_digit_strings_at_27000() {
        let sites = generate(27_000, 2020);
        let codes: HashSet<&str> = sites.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes.len(), sites.len());
        for code in codes {
            assert!(code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            assert!(!code.starts_with('0'), "{code}");
        }
    }

    #[test]
    fn code_sequence_is_a_permutation_of_a_small_prefix() {
        let codes = CodeSequence::new(1);
        let seen: HashSet<u64> = (0..200_000).map(|i| codes.code(i)).collect();
        assert_eq!(seen.len(), 200_000);
        assert!(seen.iter().all(|c| (10_000_000..100_000_000).contains(c)));
    }

    #[test]
    fn no_nonghyup_mart_is_in_seoul_or_gyeonggi() {
        for site in generate(27_000, 1).iter().filter(|s| s.kind == SiteKind::Nonghyup) {
            assert!(!site.addr.starts_with("서울특별시 ") && !site.addr.starts_with("경기도 "), "{site:?}");
        }
    }

    #[test]
    fn post_offices_are_only_in_daegu_cheongdo_or_eup_myeon_areas() {
        let sites = generate(27_000, 2);
        let posts: Vec<_> = sites.iter().filter(|s| s.kind == SiteKind::PostOffice).collect();
        assert!(!posts.is_empty());
        for site in posts {
            let allowed = site.addr.starts_with("대구광역시 ")
                || site.addr.starts_with("경상북도 청도군 ")
                || has_eup_or_myeon_word(&site.addr);
            assert!(allowed, "{site:?}");
        }
    }

    #[test]
    fn coordinates_are_in_korea_and_near_their_district_centre() {
        for site in generate(27_000, 3) {
            assert!((33.0..=39.0).contains(&site.lat), "{site:?}");
            assert!((124.0..=132.0).contains(&site.lng), "{site:?}");
            let km = km_between(position(&site), district_of(&site).centre);
            assert!(km <= AREA_SPREAD_KM + SITE_SPREAD_KM + 0.05, "{km} km: {site:?}");
        }
    }

    #[test]
    fn the_mix_at_27000_is_within_15_percent_of_the_2020_mix() {
        let sites = generate(27_000, 4);
        let total = (MIX_PHARMACIES + MIX_POST_OFFICES + MIX_NONGHYUP) as f64;
        for (kind, part) in [
            (SiteKind::Pharmacy, MIX_PHARMACIES),
            (SiteKind::PostOffice, MIX_POST_OFFICES),
            (SiteKind::Nonghyup, MIX_NONGHYUP),
        ] {
            let target = 27_000.0 * part as f64 / total;
            let actual = sites.iter().filter(|s| s.kind == kind).count() as f64;
            assert!((actual - target).abs() <= 0.15 * target, "{kind}: {actual} vs {target}");
        }
    }

    #[test]
    fn three_hundred_sites_show_every_kind_five_times_in_at_least_five_provinces() {
        for seed in 0..20 {
            let sites = generate(300, seed);
            for kind in SiteKind::ALL {
                let n = sites.iter().filter(|s| s.kind == kind).count();
                assert!(n >= 5, "seed {seed}: {n} × {kind}");
            }
            let provinces: HashSet<&str> = sites.iter().map(|s| admin_area_of(&s.addr).0).collect();
            assert!(provinces.len() >= 5, "seed {seed}: {provinces:?}");
        }
    }

    #[test]
    fn every_address_ends_with_a_dong_or_names_an_eup_or_myeon() {
        for site in generate(27_000, 5) {
            let ends_with_dong = site.addr.strip_suffix("동)").and_then(|head| head.rfind(" (")).is_some();
            assert!(ends_with_dong || has_eup_or_myeon_word(&site.addr), "{:?}", site.addr);
        }
    }

    #[test]
    fn every_address_reads_back_to_its_administrative_area() {
        for site in generate(27_000, 6) {
            let (_, _, area) = admin_area_of(&site.addr);
            let area = area.unwrap_or_else(|| panic!("no 읍/면/동 in {:?}", site.addr));
            assert!(district_of(&site).areas.contains(&area), "{:?}", site.addr);
        }
    }

    #[test]
    fn names_say_what_kind_of_seller_a_site_is() {
        for site in generate(27_000, 8) {
            let suffix = match site.kind {
                SiteKind::Pharmacy => "약국",
                SiteKind::PostOffice => "우체국",
                SiteKind::Nonghyup => "농협하나로마트",
            };
            assert!(site.name.ends_with(suffix), "{site:?}");
            assert!(site.name.chars().count() > suffix.chars().count(), "{site:?}");
        }
    }

    #[test]
    fn a_one_kilometre_radius_in_a_city_centre_finds_several_sites() {
        let sites = generate(27_000, 9);
        for (sido, sigungu) in [("서울특별시", "강남구"), ("부산광역시", "해운대구"), ("대구광역시", "중구")]
        {
            let centre = DISTRICTS
                .iter()
                .find(|d| d.province.name == sido && d.name == sigungu)
                .map(|d| d.centre)
                .unwrap_or_else(|| panic!("{sigungu} missing"));
            let near = sites.iter().filter(|s| km_between(position(s), centre) <= 1.0).count();
            assert!(near >= 10, "{sigungu}: {near}");
        }
        // Even the 300-site demo has a spot where a 1 km search shows several sites.
        let demo = generate(300, 2020);
        let densest = demo
            .iter()
            .map(|a| demo.iter().filter(|b| km_between(position(a), position(b)) <= 1.0).count())
            .max();
        assert!(densest >= Some(5), "{densest:?}");
    }

    #[test]
    fn big_cities_get_more_sites_than_rural_provinces() {
        let sites = generate(27_000, 10);
        let mut per_province: HashMap<&str, usize> = HashMap::new();
        for site in &sites {
            *per_province.entry(admin_area_of(&site.addr).0).or_default() += 1;
        }
        for big in ["서울특별시", "경기도", "부산광역시", "대구광역시"] {
            for small in ["강원도", "충청북도", "제주특별자치도", "세종특별자치시"] {
                assert!(per_province[big] > per_province[small], "{big} vs {small}: {per_province:?}");
            }
        }
    }

    #[test]
    fn the_geography_table_is_well_formed() {
        assert!(DISTRICTS.len() >= 40);
        let provinces: HashSet<&str> = DISTRICTS.iter().map(|d| d.province.name).collect();
        assert_eq!(provinces.len(), 17, "{provinces:?}");
        let mut seen = HashSet::new();
        for d in DISTRICTS {
            assert!(seen.insert((d.province.name, d.name)), "duplicate {}", d.name);
            assert!((33.2..=38.8).contains(&d.centre.lat) && (124.5..=131.5).contains(&d.centre.lng));
            assert!(d.population > 0 && d.areas.len() >= 3 && d.roads.len() >= 3, "{}", d.name);
            assert_eq!(d.name.is_empty(), d.province.name == "세종특별자치시");
            for area in d.areas {
                assert!(is_named(area, &['동', '읍', '면']), "{area}");
            }
            for road in d.roads {
                assert!(is_named(road, &['로', '길']), "{road}");
            }
            let expected_zone = d.province.name == "대구광역시" || d.name == "청도군";
            assert_eq!(d.special_care_zone, expected_zone, "{}", d.name);
            let expected_hanaro = !matches!(d.province.name, "서울특별시" | "경기도");
            assert_eq!(d.province.nonghyup_sells, expected_hanaro, "{}", d.province.name);
        }
        let placements = Placements::new();
        for kind in SiteKind::ALL {
            assert!(!placements.for_kind(kind).slots.is_empty(), "{kind}");
        }
    }

    #[test]
    fn names_and_stems_read_naturally() {
        assert_eq!(area_stem("역삼동"), "역삼");
        assert_eq!(area_stem("화양읍"), "화양");
        assert_eq!(area_stem("우동"), "우동");
        assert_eq!(road_stem("테헤란로"), Some("테헤란"));
        assert_eq!(road_stem("강남대로"), Some("강남"));
        assert_eq!(road_stem("신봉2로"), Some("신봉"));
        assert_eq!(road_stem("종로"), None);
        let stem = |name| DISTRICTS.iter().find(|d| d.name == name).map(District::stem);
        assert_eq!(stem("수원시 팔달구"), Some("팔달"));
        assert_eq!(stem("청도군"), Some("청도"));
        assert_eq!(stem(""), Some("세종"));
        assert_eq!(decimal(11_817_488), "11817488");
        assert_eq!(decimal(0), "0");
    }
}
