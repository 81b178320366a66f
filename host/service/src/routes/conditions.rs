//! `If-Match` and `If-None-Match` on writes (RFC 9110 §13.1): what the
//! stored frame must be like for the write to go ahead.

use axum::http::{HeaderMap, header};

use crate::problem::Problem;
use crate::storage::commit::Want;

/// The conditions `headers` set.
pub fn from_headers(headers: &HeaderMap) -> Result<Vec<Want>, Problem> {
    let mut wants = Vec::new();
    if let Some(tags) = tags(headers, header::IF_MATCH)? {
        wants.push(match tags {
            None => Want::Present,
            Some(list) => Want::ETagIn(list),
        });
    }
    if let Some(tags) = tags(headers, header::IF_NONE_MATCH)? {
        wants.push(match tags {
            None => Want::Absent,
            Some(list) => Want::ETagNotIn(list),
        });
    }
    Ok(wants)
}

/// The header's ETags: `None` if absent, `Some(None)` for `*`.
#[allow(clippy::option_option)]
fn tags(
    headers: &HeaderMap,
    name: header::HeaderName,
) -> Result<Option<Option<Vec<String>>>, Problem> {
    let Some(v) = headers.get(&name) else {
        return Ok(None);
    };
    let bad = || Problem::BadParameter(format!("{name}: use * or a list of quoted ETags"));
    let v = v.to_str().map_err(|_| bad())?.trim();
    if v == "*" {
        return Ok(Some(None));
    }
    let list: Vec<String> = v
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if list.is_empty() || list.iter().any(|t| !t.ends_with('"')) {
        return Err(bad());
    }
    Ok(Some(Some(list)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn conditions_parse() {
        assert_eq!(from_headers(&HeaderMap::new()).unwrap(), vec![]);
        assert_eq!(
            from_headers(&with(&[(header::IF_NONE_MATCH, "*")])).unwrap(),
            vec![Want::Absent]
        );
        assert_eq!(
            from_headers(&with(&[(header::IF_MATCH, "\"a\", W/\"b\"")])).unwrap(),
            vec![Want::ETagIn(vec!["\"a\"".into(), "W/\"b\"".into()])]
        );
        assert!(from_headers(&with(&[(header::IF_MATCH, "abc")])).is_err());
    }
}
