//! Ordering names the way people count them: team lists, rosters and reports.

/// A key that sorts names as people count: numbers written in digits or in Chinese numerals
/// (一 … 九十九) by their value, so 一组, 二组 … 十组 and Team 2, Team 10 come in order.
pub fn natural_key(text: &str) -> Vec<(u8, u64, String)> {
    fn digit(c: char) -> Option<u64> {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u64)
    }
    let chars: Vec<char> = text.chars().collect();
    let mut key = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c.is_ascii_digit() {
            let start = index;
            while index < chars.len() && chars[index].is_ascii_digit() {
                index += 1;
            }
            let digits: String = chars[start..index].iter().collect();
            key.push((0, digits.parse().unwrap_or(u64::MAX), String::new()));
        } else if digit(c).is_some() || c == '十' {
            // 十 = 10, 十二 = 12, 二十 = 20, 二十三 = 23
            let (mut value, mut current) = (0u64, 0u64);
            while index < chars.len() && (digit(chars[index]).is_some() || chars[index] == '十') {
                match digit(chars[index]) {
                    Some(d) => current = d,
                    None => {
                        value += current.max(1) * 10;
                        current = 0;
                    }
                }
                index += 1;
            }
            key.push((0, value + current, String::new()));
        } else {
            key.push((1, 0, c.to_lowercase().collect()));
            index += 1;
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals_and_digits_count() {
        let mut teams = vec!["三组", "十组", "一组", "二组", "Team 10", "Team 2"];
        teams.sort_by_key(|t| natural_key(t));
        assert_eq!(teams, ["一组", "二组", "三组", "十组", "Team 2", "Team 10"]);
    }
}
