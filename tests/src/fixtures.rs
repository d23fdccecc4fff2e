//! Small fixtures shared by the end-to-end tests: valid fictitious ID numbers built with the
//! domain's own GB 11643 check character (never re-implemented here), and complete
//! declaration materials.

/// A complete set of declaration materials as the API takes them (the domain's own example,
/// so the fixture cannot drift from what the domain accepts).
pub fn materials() -> serde_json::Value {
    serde_json::to_value(zhicheng_declaration::RawMaterials::example()).unwrap_or_default()
}

/// A valid ID number from its first 17 digits.
pub fn id_number_from(first17: &str) -> String {
    let k = zhicheng_identity::id_card::check_char(first17.as_bytes());
    format!("{first17}{}", char::from(k))
}

/// A valid, fictitious ID number of a man or woman born 1985-03-15 in 文登区 (371003), with
/// sequence number `n` (0–999; the last digit decides the gender).
pub fn id_number(n: u32) -> String {
    id_number_from(&format!("37100319850315{:03}", n % 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_ids_parse_and_match_the_standard_sample() {
        assert_eq!(id_number(123), "371003198503151231");
        for n in [0, 7, 999] {
            assert!(zhicheng_identity::IdCardNumber::parse(&id_number(n)).is_ok());
        }
    }
}
