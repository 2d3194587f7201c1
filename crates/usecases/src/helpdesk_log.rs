//! The helpdesk's view of the access log: every user's entries, flagged ones first.

use super::{Auth, AuthError, Staff};
use spse_store::{EventFilter, LoggedEvent};

/// Entries per page of the helpdesk view.
pub const HELPDESK_PAGE_SIZE: i64 = 50;

impl Auth {
    /// One page of entries matching `filter`: flagged "not me" entries first, then newest.
    /// `Ok((entries, has_more))`.
    pub async fn search_log(
        &self,
        staff: &Staff,
        filter: &EventFilter,
        page: i64,
    ) -> Result<(Vec<LoggedEvent>, bool), AuthError> {
        let page = page.clamp(0, 100_000);
        let filter = EventFilter {
            ordinary_only: !staff.is_admin(),
            ..filter.clone()
        };
        let mut events = self
            .store
            .search_events(&filter, page * HELPDESK_PAGE_SIZE, HELPDESK_PAGE_SIZE + 1)
            .await?;
        let has_more = events.len() as i64 > HELPDESK_PAGE_SIZE;
        events.truncate(HELPDESK_PAGE_SIZE as usize);
        Ok((events, has_more))
    }
}
