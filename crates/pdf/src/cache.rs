//! Rendered pages kept for reuse, least recently used first out, within a byte budget.

use std::collections::HashMap;
use std::sync::Arc;

use crate::types::Bitmap;

type Key = (u64, u32, u32);

/// LRU of bitmaps by (document, page, width).
pub struct RenderCache {
    budget: usize,
    used: usize,
    tick: u64,
    entries: HashMap<Key, (Arc<Bitmap>, u64)>,
}

impl RenderCache {
    /// A cache holding at most `budget` bytes of pixels.
    pub fn new(budget: usize) -> Self {
        Self { budget, used: 0, tick: 0, entries: HashMap::new() }
    }

    /// A cached render, marked as just used.
    pub fn get(&mut self, doc: u64, page: u32, width: u32) -> Option<Arc<Bitmap>> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(&(doc, page, width)).map(|(b, t)| {
            *t = tick;
            b.clone()
        })
    }

    /// Adds a render, evicting the least recently used ones beyond the budget.
    pub fn put(&mut self, doc: u64, page: u32, width: u32, bitmap: Arc<Bitmap>) {
        let size = bitmap.rgba.len();
        if size > self.budget {
            return;
        }
        self.tick += 1;
        if let Some((old, _)) = self.entries.insert((doc, page, width), (bitmap, self.tick)) {
            self.used -= old.rgba.len();
        }
        self.used += size;
        while self.used > self.budget {
            let Some(oldest) = self.entries.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| *k) else { break };
            if let Some((b, _)) = self.entries.remove(&oldest) {
                self.used -= b.rgba.len();
            }
        }
    }

    /// Drops every page of a document.
    pub fn forget_doc(&mut self, doc: u64) {
        let used = &mut self.used;
        self.entries.retain(|k, (b, _)| {
            let keep = k.0 != doc;
            if !keep {
                *used -= b.rgba.len();
            }
            keep
        });
    }

    /// Bytes held.
    pub fn used(&self) -> usize {
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bmp(bytes: usize) -> Arc<Bitmap> {
        Arc::new(Bitmap { width: 1, height: 1, rgba: vec![0; bytes].into() })
    }

    #[test]
    fn evicts_least_recently_used_within_budget() {
        let mut c = RenderCache::new(300);
        c.put(1, 0, 100, bmp(100));
        c.put(1, 1, 100, bmp(100));
        c.put(1, 2, 100, bmp(100));
        assert!(c.get(1, 0, 100).is_some(), "touch page 0 so page 1 is the oldest");
        c.put(1, 3, 100, bmp(100));
        assert!(c.get(1, 1, 100).is_none());
        assert!(c.get(1, 0, 100).is_some() && c.get(1, 3, 100).is_some());
        assert_eq!(c.used(), 300);
        c.forget_doc(1);
        assert_eq!(c.used(), 0);
    }
}
