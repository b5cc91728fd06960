"""Drives the emulator with Debian's python3-tweepy, unmodified, redirected only at the transport level.

Usage: python3 tweepy_flow.py PORT VIDEO_PATH IMAGE_PATH
Prints one JSON object with what tweepy got back.
"""
import json
import sys

import requests
import tweepy

PORT = int(sys.argv[1])
VIDEO = sys.argv[2]
IMAGE = sys.argv[3]
PUBLIC = ("https://api.twitter.com", "https://upload.twitter.com", "https://api.x.com", "https://upload.x.com")


class Redirect(requests.adapters.HTTPAdapter):
    """Sends requests for X's public hosts to the emulator; the OAuth signature was computed over the public URL."""

    def send(self, request, **kwargs):
        for host in PUBLIC:
            if request.url.startswith(host):
                request.url = "http://127.0.0.1:%d%s" % (PORT, request.url[len(host):])
        return super().send(request, **kwargs)


CK, CS = "xmedia-dev-consumer-key", "xmedia-dev-consumer-secret"
AT, AS = "1000000000000000001-xmedia-dev-access-token", "xmedia-dev-access-token-secret"

auth = tweepy.OAuth1UserHandler(CK, CS, AT, AS)
api = tweepy.API(auth)
api.session.mount("https://", Redirect())

video = api.media_upload(VIDEO, chunked=True, media_category="tweet_video")
image = api.media_upload(IMAGE)
api.create_media_metadata(image.media_id, "a tiny test image")
status = api.update_status("from tweepy v1.1", media_ids=[image.media_id])

client = tweepy.Client(consumer_key=CK, consumer_secret=CS, access_token=AT, access_token_secret=AS)
client.session.mount("https://", Redirect())
post = client.create_tweet(text="from tweepy v2", media_ids=[video.media_id_string], user_auth=True)

print(json.dumps({
    "video_id": video.media_id_string,
    "video_state": getattr(video, "processing_info", {}).get("state"),
    "image_id": image.media_id_string,
    "image_w": image.image["w"],
    "status_id": status.id_str,
    "post_id": post.data["id"],
}))
