//! [`paginate`]: every item of a paged list, as one stream, for page numbers
//! and cursors alike.

use std::collections::VecDeque;
use std::future::Future;

use futures_util::Stream;

/// One page of a list and where the next one is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T, C> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The position of the next page (a page number, a cursor), `None` after the last.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page and the position of the next one.
    pub fn new(items: Vec<T>, next: Option<C>) -> Self {
        Page { items, next }
    }
}

/// The most pages one [`paginate`] stream fetches: a provider that keeps
/// answering with a next page cannot keep a client busy forever.
pub const MAX_PAGES: u32 = 10_000;

/// Every item of a list, page after page: `fetch(position)` loads one page,
/// starting at `first`, until a page has no `next` (or [`MAX_PAGES`]).
/// An error is yielded once and ends the stream.
///
/// ```
/// use futures_util::StreamExt;
/// use partner_core::http::{Page, paginate};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // Page numbers 1..=3, two items each.
/// let items: Vec<u32> = paginate(1u32, |page| async move {
///     let next = (page < 3).then_some(page + 1);
///     Ok::<_, partner_core::Error>(Page::new(vec![page * 10, page * 10 + 1], next))
/// })
/// .map(Result::unwrap)
/// .collect()
/// .await;
/// assert_eq!(items, [10, 11, 20, 21, 30, 31]);
/// # });
/// ```
pub fn paginate<T, C, E, F, Fut>(first: C, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>, E>>,
{
    struct State<T, C, F> {
        fetch: F,
        next: Option<C>,
        buffer: VecDeque<T>,
        pages: u32,
    }
    let state = State { fetch, next: Some(first), buffer: VecDeque::new(), pages: 0 };
    futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.buffer.pop_front() {
                return Some((Ok(item), st));
            }
            if st.pages >= MAX_PAGES {
                return None;
            }
            let position = st.next.take()?;
            st.pages += 1;
            match (st.fetch)(position).await {
                Ok(page) => {
                    st.next = page.next;
                    st.buffer.extend(page.items);
                }
                Err(err) => return Some((Err(err), st)),
            }
        }
    })
}
