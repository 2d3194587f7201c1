//! Reading an import file into rows: CSV with a header row, or JSON lines (one object a
//! line), chosen by the file's extension or else by its first character. A line that
//! does not make a row is a row error with its line number, like any other.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use spse_usecases::{ImportRow, RowError, RowProblem};

/// The columns, required first.
pub(super) const REQUIRED: [&str; 4] = ["user_id", "kind", "email", "name"];
pub(super) const OPTIONAL: [&str; 2] = ["role", "password_hash"];

/// Why the file as a whole cannot be read.
#[derive(Debug)]
pub(super) enum FileError {
    /// The reader's words: not UTF-8 in the header, say.
    Unreadable(String),
    MissingColumn(String),
    UnknownColumn(String),
    Empty,
}

/// The rows, and the lines that did not make one.
pub(super) struct Read {
    pub rows: Vec<ImportRow>,
    pub unreadable: Vec<RowError>,
}

pub(super) fn read(path: &Path, bytes: &[u8]) -> Result<Read, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let json = match extension.as_deref() {
        Some("csv") => false,
        Some("jsonl" | "ndjson" | "json") => true,
        _ => bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
    };
    let read = if json { json_lines(bytes) } else { csv(bytes)? };
    if read.rows.is_empty() && read.unreadable.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(read)
}

fn csv(bytes: &[u8]) -> Result<Read, FileError> {
    // Flexible, and bytes: the field count and the UTF-8 are checked here, so that every
    // problem is told with the record's own line.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| FileError::Unreadable(e.to_string()))?
        .clone();
    let mut columns = HashMap::new();
    for (index, name) in headers.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        if !REQUIRED.contains(&name.as_str()) && !OPTIONAL.contains(&name.as_str()) {
            return Err(FileError::UnknownColumn(name));
        }
        columns.insert(name, index);
    }
    if let Some(missing) = REQUIRED.iter().find(|c| !columns.contains_key(**c)) {
        return Err(FileError::MissingColumn((*missing).to_string()));
    }
    let mut read = Read {
        rows: Vec::new(),
        unreadable: Vec::new(),
    };
    for record in reader.byte_records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                read.unreadable.push(unreadable(
                    e.position().map_or(0, csv::Position::line),
                    e.to_string(),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| record_line(bytes, p));
        if record.len() != headers.len() {
            let why = format!(
                "{} fields where the header has {}",
                record.len(),
                headers.len()
            );
            read.unreadable.push(unreadable(line, why));
            continue;
        }
        let Ok(record) = csv::StringRecord::from_byte_record(record) else {
            read.unreadable
                .push(unreadable(line, "not UTF-8 text".to_string()));
            continue;
        };
        let cell = |name: &str| {
            columns
                .get(name)
                .and_then(|i| record.get(*i))
                .unwrap_or_default()
                .to_string()
        };
        let optional = |name: &str| Some(cell(name)).filter(|v| !v.is_empty());
        read.rows.push(ImportRow {
            line,
            user_id: cell("user_id"),
            kind: cell("kind"),
            email: cell("email"),
            name: cell("name"),
            role: optional("role"),
            password_hash: optional("password_hash"),
        });
    }
    Ok(read)
}

/// The line a record starts on. The reader's position is where the previous record
/// ended, before the blank lines it skipped: those are counted here.
fn record_line(bytes: &[u8], position: &csv::Position) -> u64 {
    let from = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    let blank = bytes
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    position.line() + blank as u64
}

fn unreadable(line: u64, why: String) -> RowError {
    RowError {
        line,
        user_id: String::new(),
        problem: RowProblem::Unreadable(why),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    user_id: String,
    kind: String,
    email: String,
    name: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    password_hash: Option<String>,
}

fn json_lines(bytes: &[u8]) -> Read {
    let mut read = Read {
        rows: Vec::new(),
        unreadable: Vec::new(),
    };
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line_number = index as u64 + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<JsonRow>(line) {
            Ok(row) => read.rows.push(ImportRow {
                line: line_number,
                user_id: row.user_id,
                kind: row.kind,
                email: row.email,
                name: row.name,
                role: row.role.filter(|v| !v.trim().is_empty()),
                password_hash: row.password_hash.filter(|v| !v.trim().is_empty()),
            }),
            Err(e) => read
                .unreadable
                .push(unreadable(line_number, json_reason(&e))),
        }
    }
    read
}

/// serde_json's message without " at line 1 column N": each line is its own document.
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_carry_their_line_and_bad_lines_are_errors() {
        let file = "\u{feff}user_id,kind,email,name,password_hash\n\
                    PPK1,non-penyedia,ppk1@lpse.go.id,\"Satu, PPK\",\n\
                    \n\
                    PPK2,penyedia,ppk2@lpse.go.id\n\
                    PPK3,penyedia,ppk3@lpse.go.id,Tiga,$2b$04$x\n";
        let read = read(Path::new("akun.txt"), file.as_bytes()).unwrap();
        assert_eq!(read.rows.len(), 2);
        assert_eq!(read.rows[0].line, 2);
        assert_eq!(read.rows[0].name, "Satu, PPK");
        assert_eq!(read.rows[0].password_hash, None);
        assert_eq!(read.rows[1].line, 5);
        assert_eq!(read.rows[1].password_hash.as_deref(), Some("$2b$04$x"));
        assert_eq!(read.unreadable.len(), 1);
        assert_eq!(read.unreadable[0].line, 4);
    }

    #[test]
    fn header_problems_refuse_the_file() {
        let missing = read(Path::new("a.csv"), b"user_id,kind,name\nA,penyedia,B\n");
        assert!(matches!(missing, Err(FileError::MissingColumn(c)) if c == "email"));
        let typo = read(
            Path::new("a.csv"),
            b"user_id,kind,email,name,pasword_hash\n",
        );
        assert!(matches!(typo, Err(FileError::UnknownColumn(c)) if c == "pasword_hash"));
        assert!(matches!(
            read(Path::new("a.csv"), b"user_id,kind,email,name\n"),
            Err(FileError::Empty)
        ));
    }

    #[test]
    fn json_lines_by_content() {
        let file = "{\"user_id\":\"A1\",\"kind\":\"penyedia\",\"email\":\"a@b.id\",\"name\":\"A\"}\n\
                    \n\
                    {\"user_id\":\"A2\",\"kind\":\"penyedia\",\"email\":\"a@b.id\"}\n\
                    not json\n\
                    {\"user_id\":\"A3\",\"kind\":\"penyedia\",\"email\":\"a@b.id\",\"name\":\"A\",\"extra\":1}\n";
        let read = read(Path::new("akun"), file.as_bytes()).unwrap();
        assert_eq!(read.rows.len(), 1);
        let lines: Vec<u64> = read.unreadable.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        let RowProblem::Unreadable(why) = &read.unreadable[0].problem else {
            panic!("unreadable");
        };
        assert_eq!(why, "missing field `name`");
    }
}
