"""mailbox.py: texts in order, frames latest-wins, bounded, closable; producers on any thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from nnplayground.runtime.mailbox import Mailbox, MailboxOverflow


def test_texts_in_order_then_only_the_newest_frame() -> None:
    loop = asyncio.new_event_loop()
    try:
        box = Mailbox(loop)
        box.put_text({"n": 1})
        box.put_frame(b"old")
        box.put_text({"n": 2})
        box.put_frame(b"new")
        assert box.frame_pending and box.frames_dropped == 1
        texts, frame = loop.run_until_complete(box.next_batch())
        assert texts == [{"n": 1}, {"n": 2}] and frame == b"new"
        assert not box.frame_pending
    finally:
        loop.close()


def test_a_frame_taken_back_can_be_put_back() -> None:
    loop = asyncio.new_event_loop()
    try:
        box = Mailbox(loop)
        assert box.take_frame() is None
        box.put_frame(b"f")
        assert box.take_frame() == b"f" and not box.frame_pending
        box.put_frame(b"f")
        assert loop.run_until_complete(box.next_batch()) == ([], b"f")
    finally:
        loop.close()


def test_a_producer_thread_wakes_the_waiting_consumer() -> None:
    loop = asyncio.new_event_loop()
    try:
        box = Mailbox(loop)
        waiting = loop.create_task(box.next_batch())
        loop.run_until_complete(asyncio.sleep(0))  # the consumer now waits
        producer = threading.Thread(target=box.put_frame, args=(b"from a thread",))
        producer.start()
        producer.join()
        assert loop.run_until_complete(waiting) == ([], b"from a thread")
    finally:
        loop.close()


def test_unread_texts_overflow_and_close_ends_the_batches() -> None:
    loop = asyncio.new_event_loop()
    try:
        box = Mailbox(loop, max_texts=3)
        for n in range(4):
            box.put_text({"n": n})
        with pytest.raises(MailboxOverflow):
            loop.run_until_complete(box.next_batch())
        other = Mailbox(loop)
        other.put_frame(b"f")
        other.close()
        other.put_text({"late": True})  # ignored once closed
        assert loop.run_until_complete(other.next_batch()) == ([], None)
    finally:
        loop.close()
