//! Work split over the machine's cores: a slice cut into one chunk per thread, each chunk
//! mapped in order on a scoped thread, the results put back in order. For what is independent
//! per item and large in number (loading thousands of jobs, checking thousands of payloads).

/// `map` applied to every item of `items`, on up to as many threads as there are cores (at least
/// `min_per_thread` items each), the results in the items' order. The first error, in the
/// items' order, wins, as when mapping one after the other.
pub fn try_map<T, U, E>(
    items: &[T],
    min_per_thread: usize,
    map: impl Fn(&T) -> Result<Vec<U>, E> + Sync,
) -> Result<Vec<U>, E>
where
    T: Sync,
    U: Send,
    E: Send,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().div_ceil(min_per_thread.max(1)).max(1));
    let chunk = items.len().div_ceil(threads).max(1);
    let map = &map;
    let parts: Vec<Result<Vec<U>, E>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut mapped = Vec::with_capacity(part.len());
                    for item in part {
                        mapped.extend(map(item)?);
                    }
                    Ok(mapped)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .expect("the work mapped in parallel does not panic")
            })
            .collect()
    });
    let mut all = Vec::with_capacity(items.len());
    for part in parts {
        all.extend(part?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_and_the_first_error_wins() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = try_map(&items, 10, |n| Ok::<_, String>(vec![n * 2])).unwrap();
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        let failed = try_map(&items, 10, |n| {
            if *n == 700 || *n == 300 {
                Err(format!("item {n}"))
            } else {
                Ok(vec![*n])
            }
        });
        assert_eq!(failed, Err("item 300".to_string()));
    }
}
