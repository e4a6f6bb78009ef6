//! Reads and checks the merchants' configuration file.

use std::path::Path;

use retention_api::Config;

use crate::error::StartError;

/// The configuration in `path`, parsed and validated.
pub fn load(path: &Path) -> Result<Config, StartError> {
    let text = std::fs::read_to_string(path).map_err(|source| StartError::ConfigUnreadable {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// `text` (the contents of `path`) parsed and validated.
pub fn parse(path: &Path, text: &str) -> Result<Config, StartError> {
    let invalid = |line, problem: String| StartError::ConfigInvalid {
        path: path.to_owned(),
        line,
        problem,
    };
    let config: Config = toml::from_str(text).map_err(|error| {
        let line = error.span().map(|span| line_of(text, span.start));
        // toml's Display spans several lines with a source excerpt; the
        // message alone names the field ("missing field `api_key`").
        invalid(line, error.message().trim_end().replace('\n', " "))
    })?;
    config
        .validate()
        .map_err(|error| invalid(None, error.to_string()))?;
    Ok(config)
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
