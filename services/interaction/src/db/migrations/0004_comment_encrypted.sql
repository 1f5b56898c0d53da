-- Feedback comments are personal data: from here on they are stored encrypted (domain/feedback-comment.ts), in
-- the platform's envelope `v1:<kid>:<iv>:<tag>:<ciphertext>`, never as text. The API still caps the text at 2,000
-- characters; its ciphertext (up to 4 UTF-8 bytes a character, then base64) fits in 11,000.
-- NOT VALID: a comment written before this migration is still plain text; the service encrypts those on its next
-- start (encryptStoredComments) before it serves, and every row written from now on is checked.
ALTER TABLE "user_movie_interactions" DROP CONSTRAINT "user_movie_interactions_comment_needs_feedback_check";--> statement-breakpoint
ALTER TABLE "user_movie_interactions" ADD CONSTRAINT "user_movie_interactions_comment_encrypted_check" CHECK ("user_movie_interactions"."feedback_comment" is null or ("user_movie_interactions"."feedback_type" is not null and "user_movie_interactions"."feedback_comment" like 'v1:%' and length("user_movie_interactions"."feedback_comment") <= 11000)) NOT VALID;
