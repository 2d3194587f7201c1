//! `list`: the accounts in a table.

use super::{Context, Error};
use crate::messages::{Msg, shown};

/// Sorted by issuer then account, so the same store always lists the same way.
pub fn run(ctx: &Context) -> Result<(), Error> {
    let store = match ctx.open_existing()? {
        Some(store) if !store.accounts.is_empty() => store,
        _ => return ctx.say(&Msg::NoAccounts.text(ctx.lang)),
    };
    let mut rows: Vec<[String; 3]> = store
        .accounts
        .iter()
        .map(|account| {
            let push = if account.push_enabled() {
                Msg::Yes
            } else {
                Msg::No
            };
            [
                shown(&account.issuer),
                shown(&account.account),
                push.text(ctx.lang),
            ]
        })
        .collect();
    rows.sort_by_key(|row| (row[0].to_lowercase(), row[1].to_lowercase()));
    let header = [Msg::ColumnIssuer, Msg::ColumnAccount, Msg::ColumnPush].map(|m| m.text(ctx.lang));
    for line in table(&header, &rows) {
        ctx.say(&line)?;
    }
    Ok(())
}

/// Left-aligned columns two spaces apart, the last one not padded.
pub fn table<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> Vec<String> {
    let widths: Vec<usize> = (0..N)
        .map(|column| {
            std::iter::once(header)
                .chain(rows)
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    std::iter::once(header)
        .chain(rows)
        .map(|row| {
            let mut line = String::new();
            for (column, cell) in row.iter().enumerate() {
                if column + 1 == N {
                    line.push_str(cell);
                } else {
                    let pad = widths[column] - cell.chars().count();
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let cell = |s: &str| s.to_string();
        let header = [cell("ISSUER"), cell("ACCOUNT"), cell("PUSH")];
        let rows = [[cell("LPSE Kementerian PUPR"), cell("PPK1"), cell("yes")]];
        assert_eq!(
            table(&header, &rows),
            [
                "ISSUER                 ACCOUNT  PUSH",
                "LPSE Kementerian PUPR  PPK1     yes",
            ]
        );
    }
}
